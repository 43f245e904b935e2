# Bare-metal VT-d snoop-control and WBINVD test kernel.
#   make            kernel ELF, kernel.sym and the hybrid BIOS+UEFI ISO
#   make run        install missing packages, build, boot under QEMU, print the
#                   reports and the verdict (V=1: the kernel's whole output)
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
include mm/mm.mk
include iommu/vtd/vtd.mk
include drivers/drivers.mk
include kvmlike/kvmlike.mk
include kernel/kernel.mk
include tests/kernel/kernel.mk

KOBJS := $(addprefix $(O)/k/,$(BOOT_OBJS) $(X86_OBJS) $(LIB_OBJS) $(MM_OBJS) \
	$(VTD_OBJS) $(DRIVERS_OBJS) $(KVMLIKE_OBJS) $(KERNEL_OBJS) $(KTEST_OBJS))

KERNEL := $(O)/kernel.elf
ISO := $(O)/vtdtest.iso

.PHONY: all kernel iso run check bench format format-check host-tests \
	deps clean fuzz gdb usb lava-check
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
	$(Q)timeout 120 tools/mkrescue.sh $@ $(O)/isodir $(O)/grub-mkrescue.log || \
		{ cat $(O)/grub-mkrescue.log; exit 1; }

# Host unit tests (cmocka) of the pure modules, and host benchmarks.
include tests/host/host.mk
include tests/bench/bench.inc
include tests/fuzz/fuzz.mk

deps:
	$(Q)tools/deps.sh

run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(PYTHON) tests/run --out $(O) --reports $(if $(filter 1,$(V)),-v) \
		$(if $(ARGS),--args '$(ARGS)') qemu

check: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory format-check
	$(call say,KUNIT,tools/kunit.sh)
	$(Q)tools/kunit.sh >$(O)/kunit.dir
	$(call say,SELFTEST,tests/runner)
	$(Q)KUNIT_DIR=$$(cat $(O)/kunit.dir) \
		$(PYTHON) tests/runner/selftest.py >$(O)/selftest.log 2>&1 || \
		{ cat $(O)/selftest.log; exit 1; }
	$(call say,LAYERS,tools/layers.py)
	$(Q)$(PYTHON) tools/layers.py $(O)
	$(Q)$(MAKE) --no-print-directory lava-check
	$(Q){ $(PYTHON) tests/run --out $(O) $(if $(LANES),--lanes $(LANES)); \
	    echo $$? >$(O)/run.rc; } | tee $(O)/run.log; \
	$(LAVA_PYTHON) tests/runner/junit_check.py $(O) || exit 1; \
	$(PYTHON) tests/runner/kunit_check.py $(O) $$(cat $(O)/kunit.dir) || \
		exit 1; \
	tail -1 $(O)/run.log; exit $$(cat $(O)/run.rc)

bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(PYTHON) tests/bench/bench.py --out $(O)

FORMAT_SRCS = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
format:
	$(Q)clang-format -i $(FORMAT_SRCS)
format-check:
	$(call say,FORMAT,check)
	$(Q)clang-format --dry-run --Werror $(FORMAT_SRCS)

gdb: $(KERNEL)
	$(Q)$(PYTHON) tests/run --out $(O) --lanes qemu --gdb

# LAVA job definitions (tests/lava/): lava-common's schema, the qemu lane's
# machine line, the KTAP monitor against tests/run's parser. Debian's own
# python3 has lava-common; the last qemu lane's serial log is used if any.
LAVA_PYTHON ?= /usr/bin/python3
lava-check:
	$(call say,LAVA,tests/lava)
	$(Q)out=$$($(LAVA_PYTHON) tests/lava/check.py \
		--log $(O)/lanes/qemu/serial.log 2>&1) || \
		{ echo "$$out"; exit 1; }; echo "$$out" | tail -1

# Write the hybrid ISO to a USB stick: make usb DEV=/dev/sdX (the whole
# disk, not a partition). Refuses partitions, mounted disks and the disk
# holding /; asks before writing. DEV may also be an existing image file.
usb: $(ISO)
	$(Q)dev='$(DEV)'; \
	if [ -z "$$dev" ]; then \
		echo "usage: make usb DEV=/dev/sdX   (lsblk lists the disks)"; \
		exit 2; \
	elif [ -b "$$dev" ]; then \
		[ "$$(lsblk -dno TYPE "$$dev")" = disk ] || \
			{ echo "usb: $$dev is not a whole disk"; exit 2; }; \
		! lsblk -no MOUNTPOINT "$$dev" | grep -q . || \
			{ echo "usb: $$dev has mounted partitions:"; \
			  lsblk -o NAME,MOUNTPOINT "$$dev"; exit 2; }; \
		root=$$(findmnt -no SOURCE / 2>/dev/null); \
		[ -z "$$root" ] || ! lsblk -no PKNAME "$$root" 2>/dev/null | \
			grep -qx "$$(basename "$$dev")" || \
			{ echo "usb: $$dev holds /"; exit 2; }; \
		lsblk -do NAME,SIZE,MODEL,TRAN "$$dev"; \
	elif [ ! -f "$$dev" ]; then \
		echo "usb: $$dev is neither a block device nor a file"; exit 2; \
	fi; \
	printf 'Write %s to %s, destroying what is on it? Type yes: ' \
		'$(ISO)' "$$dev"; \
	read answer; [ "$$answer" = yes ] || { echo "usb: not written"; exit 1; }; \
	dd if='$(ISO)' of="$$dev" bs=4M conv=fsync,notrunc status=none && \
	sync && echo "usb: $$dev written; boot it with Secure Boot off"

clean:
	rm -rf $(O)

-include $(KOBJS:.o=.d)
