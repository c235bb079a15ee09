#!/bin/busybox sh
# PID 1 of the L1 guest that tests/nested/run.sh boots under QEMU's emulated
# AMD-V: load KVM and the 9p modules, mount the host's root read-only over
# virtio-9p with a tmpfs overlay on top (nothing written in L1 reaches the
# host), then run the job script named on the command line inside it and
# print its exit status for run.sh to read.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

while read -r m; do
  insmod "/modules/$m" || echo "nested: insmod $m failed"
done < /modules/order

job=
for arg in $(cat /proc/cmdline); do
  case "$arg" in silo_nested_job=*) job=${arg#silo_nested_job=} ;; esac
done

mkdir -p /host /rw /root
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /host \
  || { echo "nested: exit 125 (mount host root)"; poweroff -f; }
mount -t tmpfs -o size=75% tmpfs /rw
mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/host,upperdir=/rw/upper,workdir=/rw/work /root \
  || { echo "nested: exit 125 (overlay)"; poweroff -f; }
mount -t proc proc /root/proc
mount -t sysfs sysfs /root/sys
mount -t devtmpfs devtmpfs /root/dev
mkdir -p /root/dev/pts /root/dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts /root/dev/pts
ln -sf /dev/pts/ptmx /root/dev/ptmx
# What udev or systemd would add: bash's process substitution needs /dev/fd.
ln -s /proc/self/fd /root/dev/fd
ln -s /proc/self/fd/0 /root/dev/stdin
ln -s /proc/self/fd/1 /root/dev/stdout
ln -s /proc/self/fd/2 /root/dev/stderr
mount -t tmpfs tmpfs /root/dev/shm
# A fresh /run: the host's container state stays out of sight. /tmp is the
# host's (a checkout may live there), its writes kept in the overlay.
mount -t tmpfs tmpfs /root/run
# A pure cgroup v2 host, unlike the build machines' hybrid layout.
mount -t cgroup2 cgroup2 /root/sys/fs/cgroup

echo "nested: L1 up, $(grep -c -w svm /proc/cpuinfo) CPUs with svm, /dev/kvm: $(ls /dev/kvm 2>&1)"
# As switch_root does: the tree becomes the mount namespace's root, not a
# chroot inside it. The kernel refuses a new user namespace to a chrooted
# process (EPERM), and silo's jail makes one; on a real host the root is
# the namespace's. This init keeps the initramfs as its own root, for
# poweroff.
cd /root && mount -o move . / || { echo "nested: exit 125 (move the root)"; poweroff -f; }
chroot . /bin/sh "$job"
echo "nested: exit $?"
poweroff -f
