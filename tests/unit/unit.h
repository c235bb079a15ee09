/* Minimal unit-test harness: each TEST prints PASS:/FAIL:/SKIP: lines that
 * tests/run.sh counts. A test returns 0 (pass), -1 (fail) or 77 (skip). */
#ifndef SILO_UNIT_H
#define SILO_UNIT_H

#include <stdio.h>
#include <string.h>

#define CHECK(cond)                                                           \
  do                                                                          \
    {                                                                         \
      if (!(cond))                                                            \
        {                                                                     \
          fprintf (stderr, "  %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
          return -1;                                                          \
        }                                                                     \
    }                                                                         \
  while (0)

#define CHECK_STR(a, b)                                                       \
  do                                                                          \
    {                                                                         \
      const char *a_ = (a), *b_ = (b);                                        \
      if (a_ == NULL || b_ == NULL || strcmp (a_, b_) != 0)                   \
        {                                                                     \
          fprintf (stderr, "  %s:%d: `%s` != `%s`\n", __FILE__, __LINE__,     \
                   a_ ? a_ : "(null)", b_ ? b_ : "(null)");                   \
          return -1;                                                          \
        }                                                                     \
    }                                                                         \
  while (0)

#define SKIP(why)                                                             \
  do                                                                          \
    {                                                                         \
      printf ("  skip reason: %s\n", why);                                    \
      return 77;                                                              \
    }                                                                         \
  while (0)

static int unit_failed_;

#define RUN_TEST(fn)                                                          \
  do                                                                          \
    {                                                                         \
      int r_;                                                                 \
      fflush (stdout);                                                        \
      r_ = fn ();                                                             \
      if (r_ == 0)                                                            \
        printf ("PASS: %s\n", #fn);                                           \
      else if (r_ == 77)                                                      \
        printf ("SKIP: %s\n", #fn);                                           \
      else                                                                    \
        {                                                                     \
          printf ("FAIL: %s\n", #fn);                                         \
          unit_failed_ = 1;                                                   \
        }                                                                     \
      fflush (stdout);                                                        \
    }                                                                         \
  while (0)

#define UNIT_EXIT() return unit_failed_ ? 1 : 0

#endif
