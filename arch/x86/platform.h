/* Platform detection and exit with a verdict. */
#ifndef ARCH_X86_PLATFORM_H
#define ARCH_X86_PLATFORM_H

#include "lib/types.h"

enum platform_kind { PLATFORM_HARDWARE, PLATFORM_QEMU, PLATFORM_BOCHS };

void platform_detect(void);
enum platform_kind platform_kind(void);
const char *platform_name(void);
/* QEMU fw_cfg file "opt/vtdtest/args" into @buf; returns its length or a
 * negative errno when absent. */
int platform_fwcfg_args(char *buf, size_t cap);
/* How the kernel leaves: auto picks isa-debug-exit under QEMU, the
 * Shutdown port under Bochs, and halts on hardware. */
enum exit_mode { EXIT_AUTO, EXIT_QEMU, EXIT_BOCHS, EXIT_RESET, EXIT_HALT };
/* The mode named @word (exit= on the command line; "" is auto), or
 * -EINVAL for a word that names none. */
int platform_exit_mode_parse(const char *word);
void platform_set_exit_mode(enum exit_mode mode);
/* exit_ack: platform_exit() first asks the host whether it has read the
 * serial output (console_exit_ack) and waits for its answer. */
void platform_set_exit_ack(bool on);
__attribute__((noreturn)) void platform_exit(bool pass);

#endif
