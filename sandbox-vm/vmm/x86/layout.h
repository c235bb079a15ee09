/* Where the x86 boot code puts things in low guest memory (the same map as
 * Firecracker's: everything below 1 MiB except the mptable is plain RAM the
 * kernel reclaims once it has copied what it needs). */
#ifndef SILO_KVM_X86_LAYOUT_H
#define SILO_KVM_X86_LAYOUT_H

#define BOOT_GDT_ADDR 0x500ULL
#define BOOT_IDT_ADDR 0x520ULL
#define BOOT_ZERO_PAGE 0x7000ULL    /* boot_params or hvm_start_info */
#define BOOT_PVH_MEMMAP 0x7800ULL   /* hvm_memmap_table_entry[] */
#define BOOT_PVH_MODLIST 0x7c00ULL  /* hvm_modlist_entry for the initrd */
#define BOOT_STACK 0x8ff0ULL
#define BOOT_PML4 0x9000ULL
#define BOOT_PDPT 0xa000ULL
#define BOOT_PD 0xb000ULL           /* four pages: 2 MiB pages over 4 GiB */
#define BOOT_CMDLINE 0x20000ULL
#define BOOT_CMDLINE_MAX 0x10000ULL
#define BOOT_EBDA_START 0x9fc00ULL  /* end of low RAM in the e820 map */
#define BOOT_MPTABLE 0xf0000ULL     /* in the BIOS area Linux scans */
#define BOOT_HIMEM 0x100000ULL
#define BOOT_LAPIC_ADDR 0xfee00000ULL
#define BOOT_IOAPIC_ADDR 0xfec00000ULL

/* GDT selectors: the 64-bit boot protocol wants __BOOT_CS 0x10, __BOOT_DS 0x18. */
#define BOOT_CS 0x10
#define BOOT_DS 0x18
#define BOOT_TSS 0x20

#endif
