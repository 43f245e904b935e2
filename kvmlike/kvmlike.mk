# The VM layer: one line per object.
KVMLIKE_OBJS :=
KVMLIKE_OBJS += kvmlike/policy.o
KVMLIKE_OBJS += kvmlike/gmem.o
KVMLIKE_OBJS += kvmlike/vm.o
KVMLIKE_OBJS += kvmlike/kvm.o
KVMLIKE_OBJS += kvmlike/vcpu.o
KVMLIKE_OBJS += kvmlike/emulate.o
KVMLIKE_OBJS += kvmlike/svm.o
KVMLIKE_OBJS += kvmlike/vmx.o
KVMLIKE_OBJS += kvmlike/vmx_state.o
KVMLIKE_OBJS += kvmlike/vmx_cpu.o
KVMLIKE_OBJS += kvmlike/entry.o
KVMLIKE_OBJS += kvmlike/guest/guest.o
