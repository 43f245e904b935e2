# Bare-metal VT-d snoop-control and WBINVD test kernel.
#   make            kernel ELF, kernel.sym and the hybrid BIOS+UEFI ISO
#   make run        install missing packages, build, boot under QEMU, print the report
#   make check      install missing packages, build, run every test lane
#   make bench      benchmarks (host and QEMU)
#   make format     clang-format every C source in place; format-check verifies
# Options: O=dir (out of tree), V=1 (show commands), CROSS_COMPILE=x86_64-elf-,
#          LANES=... (subset for check), ARGS=... (kernel command line for run)

O ?= build
V ?= 0
CROSS_COMPILE ?=
ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-7s %s\n' $(1) $(2)
endif

CC := $(CROSS_COMPILE)gcc
LD := $(CROSS_COMPILE)ld
OBJCOPY := $(CROSS_COMPILE)objcopy
NM := $(CROSS_COMPILE)nm
HOSTCC ?= cc
PYTHON ?= python3

KCFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-ffreestanding -fno-builtin -nostdlib -fno-stack-protector -fno-pic \
	-fno-pie -mno-red-zone -mno-sse -mno-sse2 -mno-mmx -mno-80387 \
	-mgeneral-regs-only -mcmodel=small -fno-toplevel-reorder -fno-omit-frame-pointer \
	-fno-strict-aliasing --param=min-pagesize=0 -I. -MD -MP
KASFLAGS := -I. -MD -MP -D__ASSEMBLY__
KLDFLAGS := -nostdlib -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments \
	-T linker.ld

HOSTCFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-I. -DHOST_TEST -MD -MP -fsanitize=address,undefined
HOSTLDLIBS := -lcmocka -fsanitize=address,undefined

# Kernel objects, explicit (STYLE.md habit 11).
include boot/boot.mk
include arch/x86/x86.mk
include lib/lib.mk
include iommu/vtd/vtd.mk
include kvmlike/kvmlike.mk
include tests/kernel/kernel.mk

KOBJS := $(addprefix $(O)/k/,$(BOOT_OBJS) $(X86_OBJS) $(LIB_OBJS) \
	$(VTD_OBJS) $(KVMLIKE_OBJS) $(KTEST_OBJS))

KERNEL := $(O)/kernel.elf
ISO := $(O)/vtdtest.iso

.PHONY: all kernel iso run check bench format format-check host-tests \
	deps clean fuzz gdb
all: kernel iso host-build

kernel: $(KERNEL) $(O)/kernel.sym

$(O)/k/%.o: %.c
	$(call say,CC,$<)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(KCFLAGS) -c $< -o $@

$(O)/k/%.o: %.S
	$(call say,AS,$<)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(KCFLAGS) $(KASFLAGS) -c $< -o $@

$(KERNEL): $(KOBJS) linker.ld
	$(call say,LD,$@)
	$(Q)$(LD) $(KLDFLAGS) -o $@ $(KOBJS)

$(O)/kernel.sym: $(KERNEL)
	$(call say,NM,$@)
	$(Q)$(NM) -n $< > $@

iso: $(ISO)
$(ISO): $(KERNEL) boot/grub.cfg
	$(call say,ISO,$@)
	@rm -rf $(O)/isodir && mkdir -p $(O)/isodir/boot/grub
	$(Q)cp $(KERNEL) $(O)/isodir/boot/kernel.elf
	$(Q)cp boot/grub.cfg $(O)/isodir/boot/grub/grub.cfg
	$(Q)grub-mkrescue -o $@ $(O)/isodir >$(O)/grub-mkrescue.log 2>&1 || \
		{ cat $(O)/grub-mkrescue.log; exit 1; }

# Host unit tests (cmocka) of the pure modules, and host benchmarks.
include tests/host/host.mk
include tests/bench/bench.inc
include tests/fuzz/fuzz.mk

deps:
	$(Q)tools/deps.sh

run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(PYTHON) tests/run --out $(O) --lanes qemu --show-serial \
		$(if $(ARGS),--args '$(ARGS)')

check: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory format-check
	$(Q)$(PYTHON) tests/runner_selftest.py 2>&1 | tail -1
	$(Q)$(PYTHON) tests/run --out $(O) $(if $(LANES),--lanes $(LANES))

bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(PYTHON) tests/bench.py --out $(O)

FORMAT_SRCS = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
format:
	$(Q)clang-format -i $(FORMAT_SRCS)
format-check:
	$(call say,FORMAT,check)
	$(Q)clang-format --dry-run --Werror $(FORMAT_SRCS)

gdb: $(KERNEL)
	$(Q)$(PYTHON) tests/run --out $(O) --lanes qemu --gdb

clean:
	rm -rf $(O)

-include $(KOBJS:.o=.d)
