/* The real-mode part of a minimal bzImage (boot protocol 2.15): a boot
 * sector plus one setup sector, with the setup header the loader reads.
 * Only the 64-bit entry is usable: there is no real-mode code. */
	.code16
	.section .text
	.org 0x1f1
setup_sects:	.byte 1
root_flags:	.word 0
syssize:	.long 0
ram_size:	.word 0
vid_mode:	.word 0
root_dev:	.word 0
boot_flag:	.word 0xaa55
	.org 0x200
jump:		.byte 0xeb, 0x66	/* header ends at 0x202 + 0x66 */
header:		.ascii "HdrS"
version:	.word 0x020f
	.org 0x210
type_of_loader:	.byte 0
loadflags:	.byte 0x01		/* LOADED_HIGH */
	.org 0x214
code32_start:	.long 0x100000
	.org 0x22c
initrd_addr_max: .long 0x7fffffff
kernel_alignment: .long 0x200000
relocatable:	.byte 0
min_alignment:	.byte 0
xloadflags:	.word 0x0001		/* XLF_KERNEL_64 */
cmdline_size:	.long 2047
	.org 0x260
init_size:	.long 0x100000
	.org 0x400
