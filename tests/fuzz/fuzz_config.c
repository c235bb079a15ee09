/* libFuzzer harness: config.json loading (oci/), the text `silo create`
 * reads from a bundle, and the resources JSON `silo update` reads. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oci/oci.h"
#include "util/utils.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  cleanup_free char *text = xmalloc (size + 1);
  silo_error_t err = NULL;
  struct oci_config *cfg = NULL;
  struct oci_resources *res = NULL;

  memcpy (text, data, size);
  text[size] = '\0';
  if (oci_config_parse (text, "config.json", &cfg, &err) == 0)
    oci_config_free (cfg);
  silo_error_release (&err);
  if (oci_resources_parse (text, "resources", &res, &err) == 0)
    oci_resources_free (res);
  silo_error_release (&err);
  return 0;
}
