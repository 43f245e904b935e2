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
#define UART_IIR      2 /* read */
#define UART_IIR_FIFO 0xc0
#define UART_FIFO     16
#define UART_LCR      3
#define UART_LCR_DLAB 0x80
#define UART_LCR_8N1  0x03
#define UART_MCR      4
#define UART_LSR      5
#define UART_LSR_DR   0x01
#define UART_LSR_THRE 0x20
#define UART_SCR      7

/* Bounded: a port whose transmitter never drains (a stuck or absent
 * UART that passed the scratch test) must not stop the kernel. One
 * character at 300 baud takes 33 ms: 100 ms is a port that will not drain
 * (wired to nothing, flow control stuck), unless a full FIFO takes longer
 * at the port's rate. The deadline helper works before TSC calibration
 * too, assuming 1 GHz until then. */
#define UART_TX_TIMEOUT_US 100000

static unsigned tx_burst = 1; /* bytes the transmitter takes at THRE */
static u64 tx_timeout_us = UART_TX_TIMEOUT_US;

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
	/* A 16550A says its FIFOs are on in IIR bits 7:6; an 8250 or 16450
	 * has none (a 16550 without the A, a broken one): then THRE frees
	 * room for one byte only. */
	tx_burst = (inb(port + UART_IIR) & UART_IIR_FIFO) == UART_IIR_FIFO
		       ? UART_FIFO
		       : 1;
	/* A full FIFO at @baud (10 bits a byte), three times over. */
	tx_timeout_us = MAX(UART_TX_TIMEOUT_US,
			    3ULL * tx_burst * 10 * 1000000 / (baud ? baud : 1));
	outb(port + UART_MCR, 0x03); /* DTR, RTS */
	return true;
}

/* THRE: the transmit FIFO (or holding register) is empty, so tx_burst
 * bytes go without looking again: one status read per 16 bytes, as
 * Linux's serial8250_tx_chars fills the FIFO. */
static bool tx_ready(u16 port)
{
	return (inb(port + UART_LSR) & UART_LSR_THRE) ||
	       !WAIT_FOR(inb(port + UART_LSR) & UART_LSR_THRE, tx_timeout_us);
}

bool uart_write(u16 port, const char *s, size_t n)
{
	bool cr_sent = false; /* the '\r' before s[i], a '\n' */
	size_t i = 0;

	while (i < n) {
		if (!tx_ready(port))
			return false;
		for (unsigned room = tx_burst; room && i < n; room--) {
			if (s[i] == '\n' && !cr_sent) {
				outb(port + UART_THR, '\r');
				cr_sent = true;
				continue;
			}
			outb(port + UART_THR, (u8)s[i++]);
			cr_sent = false;
		}
	}
	return true;
}

int uart_getc(u16 port)
{
	if (!(inb(port + UART_LSR) & UART_LSR_DR))
		return -1;
	return inb(port + UART_THR); /* RBR: the same offset, read */
}
