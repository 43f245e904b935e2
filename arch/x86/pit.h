/* The 8254 programmable interval timer every PC has (Intel 8254 datasheet;
 * ports as on the PC/AT). Channel 0 drives ISA IRQ 0; channel 2 is gated
 * and read back through port 0x61. */
#ifndef ARCH_X86_PIT_H
#define ARCH_X86_PIT_H

#define PIT_HZ	 1193182ULL
#define PIT_CH0	 0x40
#define PIT_CH2	 0x42
#define PIT_CMD	 0x43
#define PIT_GATE 0x61 /* bit 0: channel 2 gate, 1: speaker, 5: OUT2 */

/* Control words: channel in bits 7:6, access lobyte/hibyte (3 << 4), mode
 * in bits 3:1, binary. In mode 0 (interrupt on terminal count) the output
 * goes low when the control word is written and the counter waits for
 * its count: a one-shot, and with no count, no timer at all. */
#define PIT_CH0_MODE0 0x30
#define PIT_CH2_MODE0 0xb0

#endif
