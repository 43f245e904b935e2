/* Shared by vmx.c and vmx_state.c: not part of the contract. */
#ifndef KVMLIKE_VMX_PRIV_H
#define KVMLIKE_VMX_PRIV_H

#include "lib/types.h"

struct vmx_ctls {
	u32 pin, cpu, cpu2, exit, entry;
};

/* The controls this backend needs, fitted to what the CPU allows; WBINVD
 * exiting must be possible and starts off. -EOPNOTSUPP when a required
 * control cannot be set, *missing then naming it in words. */
int vmx_fit_all(struct vmx_ctls *c, const char **missing);
/* Write the VMCS's host-state area (VMCS current). False when a VMWRITE
 * failed. */
bool vmx_write_host_state(void);
/* Write the guest-state area for the stub's entry (VMCS current). */
bool vmx_write_guest_state(void);
/* Reload GDTR and IDTR with their real limits after a VM exit. */
void vmx_restore_host_tables(void);

#endif
