/* Where the agent binary comes from: the copy embedded by agent_blob.c. */
#include "../util/utils.h"
#include "internal.h"

extern const char silo_agent_blob[];
extern const char silo_agent_blob_end[];

int
sandbox_agent_blob (const void **data, size_t *len, silo_error_t *err)
{
  size_t n = (size_t) (silo_agent_blob_end - silo_agent_blob);

  if (n < 64)
    return silo_make_error (err, 0, "sandbox: the embedded silo-agent is missing (bad build)");
  *data = silo_agent_blob;
  *len = n;
  return 0;
}
