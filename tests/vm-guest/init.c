/* /init of the initramfs for the full-kernel boot test (hardware
 * virtualization hosts only): say hello on the console, report the "exec"
 * boot marker to the VMM, and reboot, which `reboot=k` turns into the i8042
 * reset line the VMM treats as power-off. */
#include <string.h>
#include <sys/io.h>
#include <sys/reboot.h>
#include <unistd.h>

#define VMM_MARKER_PORT 0x510

int
main (void)
{
  static const char msg[] = "silo-guest-init: up\n";

  if (write (1, msg, sizeof (msg) - 1) < 0)
    return 1;
  if (ioperm (VMM_MARKER_PORT, 1, 1) == 0)
    outb (2, VMM_MARKER_PORT);
  sync ();
  reboot (RB_AUTOBOOT);
  return 1;
}
