/* virtio-console, single port, two instances: hvc0 carries console output
 * to console_fd (write only), hvc1 is the agent channel on agent_fd. Two
 * plain devices instead of MULTIPORT keep the control queue out: the guest
 * finds its channel as /dev/hvc1 because virtio-mmio devices probe in
 * command-line order. Guest->host (transmitq) is written on the vCPU thread
 * that kicked the queue; host->guest (receiveq) is a thread that waits for
 * both a guest buffer and bytes on the fd. */
#include <errno.h>
#include <linux/virtio_ids.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>

#include "virtio.h"
#include "../../../util/log.h"
#include "../../../util/utils.h"

#define RX_QUEUE 0
#define TX_QUEUE 1

struct console
{
  struct virtio_dev vdev;
  int in_fd, out_fd; /* -1 = none */
  int kick_fd;       /* eventfd: the guest added receive buffers */
  int stop_fd;       /* eventfd: stop the receive thread */
  pthread_t rx_thread;
  bool rx_running;
  bool in_eof;
};

static void
console_tx (struct console *c)
{
  struct virtio_dev *v = &c->vdev;
  struct vq_chain chain;
  int ret;

  while ((ret = vq_pop (v->mem, &v->vqs[TX_QUEUE], &chain)) > 0)
    {
      /* Blocking write: a slow reader stalls this vCPU, which is the
       * back-pressure the guest's hvc driver expects. */
      if (c->out_fd >= 0)
        {
          int i;
          for (i = 0; i < chain.n_out; i++)
            if (write_all (c->out_fd, chain.out[i].iov_base, chain.out[i].iov_len) < 0)
              break;
        }
      vq_push (v->mem, &v->vqs[TX_QUEUE], chain.head, 0);
    }
  if (ret < 0)
    virtio_set_broken (v, "malformed transmit chain");
  virtio_signal_used (v, TX_QUEUE);
}

static void
console_notify (struct virtio_dev *v, int queue)
{
  struct console *c = v->priv;
  uint64_t one = 1;

  if (queue == TX_QUEUE)
    console_tx (c);
  else if (c->kick_fd >= 0)
    (void) write (c->kick_fd, &one, sizeof (one));
}

/* Wait for fd readable or stop; returns true when fd is readable. */
static bool
wait_fd (struct console *c, int fd)
{
  struct pollfd p[2] = { { .fd = c->stop_fd, .events = POLLIN }, { .fd = fd, .events = POLLIN } };
  uint64_t n;

  while (TEMP_FAILURE_RETRY (poll (p, 2, -1)) >= 0)
    {
      if (p[0].revents)
        return false;
      if (p[1].revents)
        {
          if (fd == c->kick_fd)
            (void) read (fd, &n, sizeof (n));
          return true;
        }
    }
  return false;
}

/* Fill one guest receive buffer from in_fd; false when the thread must end. */
static bool
rx_one (struct console *c)
{
  struct virtio_dev *v = &c->vdev;
  struct vq_chain chain;
  ssize_t n;
  int ret;

  pthread_mutex_lock (&v->lock);
  ret = vq_pop (v->mem, &v->vqs[RX_QUEUE], &chain);
  if (ret < 0)
    virtio_set_broken (v, "malformed receive chain");
  pthread_mutex_unlock (&v->lock);
  if (ret < 0)
    return false;
  if (ret == 0)
    return wait_fd (c, c->kick_fd);
  do
    {
      if (!wait_fd (c, c->in_fd))
        return false;
      n = readv (c->in_fd, chain.in, chain.n_in);
    }
  while (n < 0 && (errno == EAGAIN || errno == EINTR));
  if (n <= 0)
    c->in_eof = true; /* the host closed its end: the guest keeps the buffer */
  pthread_mutex_lock (&v->lock);
  if (n > 0)
    {
      vq_push (v->mem, &v->vqs[RX_QUEUE], chain.head, n);
      virtio_signal_used (v, RX_QUEUE);
    }
  pthread_mutex_unlock (&v->lock);
  return n > 0;
}

static void *
rx_thread (void *arg)
{
  struct console *c = arg;

  if (!virtio_thread_confine (&c->vdev))
    return NULL;
  while (rx_one (c))
    ;
  return NULL;
}

static void
console_activate (struct virtio_dev *v)
{
  struct console *c = v->priv;

  if (c->in_fd < 0 || c->rx_running || c->in_eof)
    return;
  if (pthread_create (&c->rx_thread, NULL, rx_thread, c) == 0)
    c->rx_running = true;
  else
    pr_warn ("virtio %s: cannot start the receive thread", v->ops->name);
}

static void
console_reset (struct virtio_dev *v)
{
  struct console *c = v->priv;
  uint64_t one = 1, n;

  if (!c->rx_running)
    return;
  (void) write (c->stop_fd, &one, sizeof (one));
  pthread_join (c->rx_thread, NULL);
  (void) read (c->stop_fd, &n, sizeof (n));
  c->rx_running = false;
}

static void
console_config (struct virtio_dev *v, uint64_t off, uint8_t *data, uint32_t len, bool is_write)
{
  if (!is_write) /* cols, rows, max_nr_ports, emerg_wr: none offered */
    memset (data, 0, len);
}

static const struct virtio_ops console_ops = {
  .name = "console", .device_id = VIRTIO_ID_CONSOLE, .num_queues = 2, .queue_max = 256,
  .config = console_config, .notify = console_notify, .activate = console_activate,
  .reset = console_reset,
};
static const struct virtio_ops agent_ops = {
  .name = "agent", .device_id = VIRTIO_ID_CONSOLE, .num_queues = 2, .queue_max = 256,
  .config = console_config, .notify = console_notify, .activate = console_activate,
  .reset = console_reset,
};

static void
console_destroy (struct device_header *dev)
{
  struct console *c = dev->data;

  console_reset (&c->vdev);
  close_and_reset (&c->kick_fd);
  close_and_reset (&c->stop_fd);
  virtio_dev_teardown (&c->vdev);
  free (c);
}

static int
console_new (struct vm *vm, const struct virtio_ops *ops, int in_fd, int out_fd, silo_error_t *err)
{
  struct console *c = xmalloc0 (sizeof (*c));
  int ret;

  c->in_fd = in_fd;
  c->out_fd = out_fd;
  c->kick_fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  c->stop_fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  c->vdev.dev.data = c;
  c->vdev.dev.destroy = console_destroy;
  if (c->kick_fd < 0 || c->stop_fd < 0)
    {
      ret = silo_make_error (err, errno, "eventfd for virtio %s", ops->name);
      console_destroy (&c->vdev.dev);
      return ret;
    }
  ret = virtio_mmio_init (vm, &c->vdev, ops, c, err);
  if (ret < 0)
    console_destroy (&c->vdev.dev);
  return ret;
}

int
virtio_console_init (struct vm *vm, silo_error_t *err)
{
  int ret = console_new (vm, &console_ops, -1, vm->cfg->console_fd, err);

  if (ret == 0)
    ret = console_new (vm, &agent_ops, vm->cfg->agent_fd, vm->cfg->agent_fd, err);
  return ret;
}
