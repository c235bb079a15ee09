/* What a dynamic ELF executable needs from the host to start after the
 * jail's pivot: its interpreter (PT_INTERP) and the libraries it and they
 * name (DT_NEEDED), found in the system library directories the loader
 * searches when it has no ld.so.cache (there is none in the jail). */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../util/utils.h"
#include "jail.h"

#if defined(__x86_64__)
#define MULTIARCH "x86_64-linux-gnu"
#elif defined(__aarch64__)
#define MULTIARCH "aarch64-linux-gnu"
#else
#define MULTIARCH "unknown"
#endif

static const char *const lib_dirs[] = { "/lib/" MULTIARCH, "/usr/lib/" MULTIARCH, "/lib64",
                                        "/usr/lib64", "/lib", "/usr/lib" };

struct deps
{
  char **paths;
  size_t n;
};

static bool
deps_has (const struct deps *d, const char *path)
{
  for (size_t i = 0; i < d->n; i++)
    if (strcmp (d->paths[i], path) == 0)
      return true;
  return false;
}

static void
deps_add (struct deps *d, const char *path)
{
  d->paths = xrealloc (d->paths, (d->n + 2) * sizeof (char *));
  d->paths[d->n++] = xstrdup (path);
  d->paths[d->n] = NULL;
}

/* The file offset of virtual address vaddr, through the PT_LOAD segments. */
static bool
vaddr_offset (const Elf64_Phdr *ph, size_t n, uint64_t vaddr, uint64_t *off)
{
  for (size_t i = 0; i < n; i++)
    if (ph[i].p_type == PT_LOAD && vaddr >= ph[i].p_vaddr
        && vaddr - ph[i].p_vaddr < ph[i].p_filesz)
      {
        *off = vaddr - ph[i].p_vaddr + ph[i].p_offset;
        return true;
      }
  return false;
}

/* The NUL-terminated string at off in the mapped file, or NULL. */
static const char *
elf_str (const char *base, size_t size, uint64_t off)
{
  if (off >= size || memchr (base + off, '\0', size - off) == NULL)
    return NULL;
  return base + off;
}

static int scan (const char *path, struct deps *d, int depth, silo_error_t *err);

static int
add_needed (const char *name, struct deps *d, int depth, silo_error_t *err)
{
  cleanup_free char *path = NULL;
  size_t i;

  for (i = 0; i < ARRAY_SIZE (lib_dirs); i++)
    {
      free (path);
      xasprintf (&path, "%s/%s", lib_dirs[i], name);
      if (access (path, R_OK) == 0)
        break;
    }
  if (i == ARRAY_SIZE (lib_dirs))
    return silo_make_error (err, ENOENT, "library `%s`: not found", name);
  if (deps_has (d, path))
    return 0;
  deps_add (d, path);
  return scan (path, d, depth + 1, err);
}

static int
scan_dynamic (const char *base, size_t size, const Elf64_Phdr *ph, size_t nph,
              const Elf64_Phdr *dyn_ph, struct deps *d, int depth, silo_error_t *err)
{
  const Elf64_Dyn *dyn = (const Elf64_Dyn *) (base + dyn_ph->p_offset);
  size_t i, n = dyn_ph->p_filesz / sizeof (Elf64_Dyn);
  uint64_t strtab = 0;

  for (i = 0; i < n && dyn[i].d_tag != DT_NULL; i++)
    if (dyn[i].d_tag == DT_STRTAB && !vaddr_offset (ph, nph, dyn[i].d_un.d_ptr, &strtab))
      return silo_make_error (err, ENOEXEC, "DT_STRTAB outside the file");
  for (i = 0; i < n && dyn[i].d_tag != DT_NULL; i++)
    if (dyn[i].d_tag == DT_NEEDED)
      {
        const char *name = elf_str (base, size, strtab + dyn[i].d_un.d_val);
        if (strtab == 0 || name == NULL)
          return silo_make_error (err, ENOEXEC, "DT_NEEDED outside the file");
        if (add_needed (name, d, depth, err) < 0)
          return -1;
      }
  return 0;
}

static int
scan_mapped (const char *base, size_t size, struct deps *d, int depth, silo_error_t *err)
{
  const Elf64_Ehdr *eh = (const Elf64_Ehdr *) base;
  const Elf64_Phdr *ph;
  size_t i;

  if (size < sizeof (*eh) || memcmp (eh->e_ident, ELFMAG, SELFMAG) != 0
      || eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_phentsize != sizeof (Elf64_Phdr)
      || eh->e_phoff > size || (size - eh->e_phoff) / sizeof (Elf64_Phdr) < eh->e_phnum)
    return silo_make_error (err, ENOEXEC, "not a 64-bit ELF file");
  ph = (const Elf64_Phdr *) (base + eh->e_phoff);
  for (i = 0; i < eh->e_phnum; i++)
    {
      if (ph[i].p_offset > size || ph[i].p_filesz > size - ph[i].p_offset)
        return silo_make_error (err, ENOEXEC, "program header %zu outside the file", i);
      if (ph[i].p_type == PT_INTERP && depth == 0)
        {
          const char *interp = elf_str (base, ph[i].p_offset + ph[i].p_filesz, ph[i].p_offset);
          if (interp == NULL || interp[0] != '/')
            return silo_make_error (err, ENOEXEC, "PT_INTERP: not an absolute path");
          if (!deps_has (d, interp))
            deps_add (d, interp);
        }
      if (ph[i].p_type == PT_DYNAMIC
          && scan_dynamic (base, size, ph, eh->e_phnum, &ph[i], d, depth, err) < 0)
        return -1;
    }
  return 0;
}

static int
scan (const char *path, struct deps *d, int depth, silo_error_t *err)
{
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  void *base;
  int ret;

  if (depth > 8)
    return silo_make_error (err, ELOOP, "`%s`: libraries nested too deep", path);
  if (fd < 0 || fstat (fd, &st) < 0)
    return silo_make_error (err, errno, "open `%s`", path);
  base = mmap (NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (base == MAP_FAILED)
    return silo_make_error (err, errno, "mmap `%s`", path);
  ret = scan_mapped (base, st.st_size, d, depth, err);
  munmap (base, st.st_size);
  return ret < 0 ? silo_error_wrap (err, "`%s`", path) : 0;
}

int
jail_elf_deps (const char *exe, char ***paths, silo_error_t *err)
{
  struct deps d = { NULL, 0 };

  if (scan (exe, &d, 0, err) < 0)
    {
      for (size_t i = 0; i < d.n; i++)
        free (d.paths[i]);
      free (d.paths);
      return -1;
    }
  if (d.paths == NULL)
    d.paths = xrealloc (NULL, sizeof (char *)), d.paths[0] = NULL;
  *paths = d.paths;
  return 0;
}
