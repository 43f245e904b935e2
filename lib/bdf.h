/* PCI requester ids (PCI Express Base 4.0, 2.2.6.2): bus in bits 15:8,
 * device in 7:3, function in 2:0. The one definition of the packing, used
 * by PCI enumeration, the DMAR scope resolver and the VT-d context and
 * fault code (whose source ids are requester ids). Pure. */
#ifndef LIB_BDF_H
#define LIB_BDF_H

#include "lib/types.h"

#define PCI_DEVFN(dev, fn)  ((u8)((dev) << 3 | (fn)))
#define PCI_SLOT(devfn)	    ((u8)((devfn) >> 3))
#define PCI_FUNC(devfn)	    ((u8)((devfn)&7))
#define PCI_BDF(bus, devfn) ((u16)((bus) << 8 | (devfn)))
#define PCI_BDF_BUS(bdf)    ((u8)((bdf) >> 8))
#define PCI_BDF_DEVFN(bdf)  ((u8)(bdf))

#endif
