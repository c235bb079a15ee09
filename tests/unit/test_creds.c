/* Unit tests for namespaces/seccomp.c and namespaces/caps.c. */
#include "namespaces/namespaces.h"
#include "tests/unit/unit.h"

static int
test_cap_from_name (void)
{
  CHECK (ns_cap_from_name ("CAP_SYS_ADMIN") == 21);
  CHECK (ns_cap_from_name ("CAP_KILL") == 5);
  CHECK (ns_cap_from_name ("CAP_NOPE") == -1);
  CHECK (ns_cap_from_name ("5") == -1);
  CHECK (ns_cap_from_name ("cap_kill") == -1);
  return 0;
}

int
main (void)
{
  RUN_TEST (test_cap_from_name);
  UNIT_EXIT ();
}
