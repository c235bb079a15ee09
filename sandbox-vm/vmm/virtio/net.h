/* virtio-net served from a tap fd (net.c). Exposed beyond net.c for the
 * host-side tests and the fuzz harness, which run it without a VM. */
#ifndef SILO_KVM_VIRTIO_NET_H
#define SILO_KVM_VIRTIO_NET_H

#include "virtio.h"

#define NET_RX_QUEUE 0
#define NET_TX_QUEUE 1

/* Frames the device dropped: from the guest (TX) a chain shorter than the
 * header or longer than the largest GSO frame, or one the tap refused; to
 * the guest (RX) a frame larger than the buffers posted, or a buffer too
 * small for the header. */
struct virtio_net_stats
{
  uint64_t tx_packets, tx_dropped, rx_packets, rx_dropped;
};

struct virtio_net;
/* A device on cfg->tap_fd over `mem`, without a VM: the caller drives it
 * through virtio_mmio_access on virtio_net_vdev. The tap fd stays the
 * caller's. */
struct virtio_net *virtio_net_new (const struct guest_mem *mem, const struct vmm_net *cfg,
                                   silo_error_t *err);
struct virtio_dev *virtio_net_vdev (struct virtio_net *n);
void virtio_net_get_stats (struct virtio_net *n, struct virtio_net_stats *out);
void virtio_net_free (struct virtio_net *n);

#endif
