# In-kernel suites and their support code: one line per file, so that
# changes to different suites do not collide.
KTEST_OBJS := tests/kernel/boot.o
KTEST_OBJS += tests/kernel/pci.o
KTEST_OBJS += tests/kernel/cpu.o
KTEST_OBJS += tests/kernel/vtd_fix.o
KTEST_OBJS += tests/kernel/vtd_fix_dma.o
KTEST_OBJS += tests/kernel/vtd.o
KTEST_OBJS += tests/kernel/vtd_cache.o
KTEST_OBJS += tests/kernel/vtd_fault.o
KTEST_OBJS += tests/kernel/sl_map.o
KTEST_OBJS += tests/kernel/isolation.o
KTEST_OBJS += tests/kernel/snoop.o
KTEST_OBJS += tests/kernel/kvm_fix.o
KTEST_OBJS += tests/kernel/kvm_wbinvd.o
KTEST_OBJS += tests/kernel/kvm_exits.o
KTEST_OBJS += tests/kernel/harness.o
KTEST_OBJS += tests/kernel/smp.o
KTEST_OBJS += tests/kernel/contain.o
KTEST_OBJS += tests/kernel/assigned_fix.o
KTEST_OBJS += tests/kernel/assigned.o
KTEST_OBJS += tests/kernel/assigned_wbinvd.o
KTEST_OBJS += tests/kernel/assigned_memtype.o
KTEST_OBJS += tests/kernel/kvm_smp.o
KTEST_OBJS += tests/kernel/xhci.o
KTEST_OBJS += tests/kernel/xhci_standin.o
KTEST_OBJS += tests/kernel/ir.o
KTEST_OBJS += tests/kernel/scalable.o
