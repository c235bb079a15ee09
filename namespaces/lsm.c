/* Linux security module labels of config.json: process.apparmorProfile,
 * process.selinuxLabel and linux.mountLabel. Where the LSM is enabled on
 * this host the exec labels are applied (written to /proc/self/attr before
 * exec, as runc does); everything else is refused with a one-line error
 * before anything is made: a label whose LSM is not enabled (runc 1.1 and
 * crun 1.8 fail on those too, only later), an SELinux mount label, any
 * label in sandbox mode. Never parsed and then silently dropped. */
#include "namespaces.h"
#include "../util/utils.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static bool
apparmor_enabled (void)
{
  char buf[2] = "";
  int fd;

  if (access ("/sys/kernel/security/apparmor", F_OK) < 0)
    return false;
  fd = open ("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  if (read (fd, buf, 1) != 1)
    buf[0] = '\0';
  close (fd);
  return buf[0] == 'Y';
}

static bool
selinux_enabled (void)
{
  return access ("/sys/fs/selinux/enforce", F_OK) == 0;
}

struct ns_lsm
ns_lsm_detect (void)
{
  return (struct ns_lsm){ .apparmor = apparmor_enabled (), .selinux = selinux_enabled () };
}

static int
check_one (const char *field, const char *value, const char *lsm, bool enabled, bool sandbox,
           silo_error_t *err)
{
  if (value == NULL || *value == '\0')
    return 0;
  if (!enabled)
    return silo_make_error (err, 0, "%s `%s`: %s is not enabled on this host", field, value, lsm);
  if (sandbox)
    return silo_make_error (err, 0,
                            "%s: sandbox mode cannot confine the guest's processes with the "
                            "host's %s",
                            field, lsm);
  return 0;
}

int
ns_lsm_check (const struct oci_config *cfg, const struct oci_process *p, struct ns_lsm lsm,
              bool sandbox, silo_error_t *err)
{
  if (check_one ("process.apparmorProfile", p->apparmor_profile, "AppArmor", lsm.apparmor,
                 sandbox, err)
          < 0
      || check_one ("process.selinuxLabel", p->selinux_label, "SELinux", lsm.selinux, sandbox, err)
             < 0)
    return -1;
  if (cfg == NULL || cfg->linux_.mount_label == NULL || *cfg->linux_.mount_label == '\0')
    return 0;
  if (!lsm.selinux)
    return silo_make_error (err, 0, "linux.mountLabel `%s`: SELinux is not enabled on this host",
                            cfg->linux_.mount_label);
  return silo_make_error (err, 0, "linux.mountLabel: SELinux mount labels are not supported");
}

static int
write_attr (const char *path, const char *fallback, const char *text, const char *field,
            silo_error_t *err)
{
  int fd = open (path, O_WRONLY | O_CLOEXEC);

  if (fd < 0 && errno == ENOENT && fallback)
    fd = open (fallback, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return silo_make_error (err, errno, "%s: open `%s`", field, path);
  if (write (fd, text, strlen (text)) != (ssize_t) strlen (text))
    {
      int saved = errno;
      close (fd);
      return silo_make_error (err, saved, "%s: set `%s`", field, text);
    }
  close (fd);
  return 0;
}

int
ns_lsm_apply_exec (const struct oci_process *p, struct ns_lsm lsm, silo_error_t *err)
{
  if (lsm.apparmor && p->apparmor_profile && *p->apparmor_profile)
    {
      cleanup_free char *cmd = NULL;
      xasprintf (&cmd, "exec %s", p->apparmor_profile);
      if (write_attr ("/proc/self/attr/apparmor/exec", "/proc/self/attr/exec", cmd,
                      "process.apparmorProfile", err)
          < 0)
        return -1;
    }
  if (lsm.selinux && p->selinux_label && *p->selinux_label)
    return write_attr ("/proc/self/attr/exec", NULL, p->selinux_label, "process.selinuxLabel",
                       err);
  return 0;
}
