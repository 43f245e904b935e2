/* 16550 UART: polled output. A port that is absent (scratch register does
 * not read back) is reported so the kernel can carry on without it. */
#include "arch/x86/console.h"
#include "arch/x86/cpu.h"
#include "arch/x86/tsc.h"

#define UART_THR      0
#define UART_DLL      0
#define UART_IER      1
#define UART_DLM      1
#define UART_FCR      2
#define UART_LCR      3
#define UART_LCR_DLAB 0x80
#define UART_LCR_8N1  0x03
#define UART_MCR      4
#define UART_LSR      5
#define UART_LSR_DR   0x01
#define UART_LSR_THRE 0x20
#define UART_SCR      7

bool uart_init(u16 port, u32 baud)
{
	u32 div = baud ? 115200 / baud : 1;

	outb(port + UART_SCR, 0xa5);
	if (inb(port + UART_SCR) != 0xa5)
		return false;
	outb(port + UART_IER, 0);
	outb(port + UART_LCR, UART_LCR_DLAB);
	outb(port + UART_DLL, div ? div & 0xff : 1);
	outb(port + UART_DLM, (div >> 8) & 0xff);
	outb(port + UART_LCR, UART_LCR_8N1);
	outb(port + UART_FCR, 0x07); /* enable and clear FIFOs */
	outb(port + UART_MCR, 0x03); /* DTR, RTS */
	return true;
}

/* Bounded: a port whose transmitter never drains (a stuck or absent
 * UART that passed the scratch test) must not stop the kernel. */
/* One character at 300 baud takes 33 ms: 100 ms is a port that will not
 * drain (wired to nothing, flow control stuck). The deadline helper works
 * before TSC calibration too, assuming 1 GHz until then. */
#define UART_TX_TIMEOUT_US 100000

bool uart_putc(u16 port, char c)
{
	if (WAIT_FOR(inb(port + UART_LSR) & UART_LSR_THRE, UART_TX_TIMEOUT_US))
		return false;
	outb(port + UART_THR, (u8)c);
	return true;
}

int uart_getc(u16 port)
{
	if (!(inb(port + UART_LSR) & UART_LSR_DR))
		return -1;
	return inb(port + UART_THR); /* RBR: the same offset, read */
}
