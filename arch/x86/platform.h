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
void platform_set_exit_mode(int mode /* enum exit_mode */);
__attribute__((noreturn)) void platform_exit(bool pass);

#endif
