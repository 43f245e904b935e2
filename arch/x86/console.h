/* Consoles: the 16550 serial port and the VGA text screen. Every line
 * printed goes to every console present. */
#ifndef ARCH_X86_CONSOLE_H
#define ARCH_X86_CONSOLE_H

#include "lib/types.h"

struct boot_info;

void console_init(const struct boot_info *bi);
/* Apply console=ttyS0[,baud] | ttyS1 | screen from the command line.
 * Returns 0, or -EINVAL for an unknown setting (consoles stay as they are). */
int console_configure(const char *spec);
void console_write(const char *s, size_t n);
__attribute__((format(printf, 1, 2))) void kprintf(const char *fmt, ...);
bool console_has_serial(void);
bool console_has_screen(void);

/* Serial port (uart.c). */
bool uart_init(u16 port, u32 baud);
void uart_putc(u16 port, char c);
/* VGA text screen (vga.c). */
void vga_init(void);
void vga_putc(char c);

#endif
