/* Multiboot headers. One image carries both:
 * - multiboot1 with the a.out kludge (flag bit 16), so QEMU's -kernel loads
 *   this ELF64 file by the addresses below (QEMU refuses ELF64 otherwise);
 * - multiboot2 for GRUB (BIOS and UEFI), which loads the ELF segments.
 * Multiboot 0.6.96 section 3.1; Multiboot2 1.6 section 3.1. */

#define MB1_MAGIC 0x1badb002
#define MB1_FLAGS 0x00010003 /* page-align modules, memory map, a.out kludge */
#define MB2_MAGIC 0xe85250d6

	.section .multiboot, "a"
	.align 4
mb1_header:
	.long MB1_MAGIC
	.long MB1_FLAGS
	.long -(MB1_MAGIC + MB1_FLAGS)
	.long mb1_header	/* header_addr */
	.long __image_start	/* load_addr */
	.long __load_end	/* load_end_addr */
	.long __bss_end		/* bss_end_addr */
	.long _start32		/* entry_addr */

	.align 8
mb2_header:
	.long MB2_MAGIC
	.long 0			/* architecture: i386 protected mode */
	.long mb2_end - mb2_header
	.long -(MB2_MAGIC + (mb2_end - mb2_header))

	/* Information request: command line, memory map, ACPI RSDP copies,
	 * framebuffer. Flags 1: optional, boot anyway if not provided. */
	.align 8
	.short 1, 1
	.long 8 + 4 * 5
	.long 1, 6, 14, 15, 8

	/* Framebuffer, optional, no preferred mode: GRUB's multiboot2
	 * command then sets gfxpayload=auto, which under UEFI gives the
	 * GOP mode; under BIOS grub.cfg sets gfxpayload=text after that
	 * command, to keep the VGA text screen. */
	.align 8
	.short 5, 1
	.long 20
	.long 0, 0, 0	/* width, height, depth */

	/* Entry address: the 32-bit entry below. */
	.align 8
	.short 3, 0
	.long 12
	.long _start32

	/* End tag. */
	.align 8
	.short 0, 0
	.long 8
mb2_end:
