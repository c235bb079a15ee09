/* 64-bit entry of the test guests: the VMM enters here in long mode with
 * rsi = zero page. Use our own stack (the boot stack is below the page
 * tables and only a few KiB deep) and call guest_main(zero_page). */
	.section .text.pad, "ax"
	.fill 0x200, 1, 0x90
	.section .text.entry, "ax"
	.globl _start
	.code64
_start:
	lea stack_top(%rip), %rsp
	mov %rsi, %rdi
	call guest_main
1:	hlt
	jmp 1b

	.section .bss
	.balign 16
	.skip 16384
stack_top:
