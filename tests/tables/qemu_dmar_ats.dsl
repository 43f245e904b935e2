/*
 * qemu_dmar_ats: the DMAR that QEMU 7.2 (Debian 12's 1:7.2+dfsg-7+deb12u18)
 * builds for
 *     qemu-system-x86_64 -machine q35 -device intel-iommu,device-iotlb=on
 *       -device pcie-root-port,id=rp0,bus=pcie.0,addr=0x1c,chassis=1
 *       -device edu,bus=rp0 -device edu,addr=0x6
 *
 * Dumped, not derived: QEMU started with -qtest stdio -S, the fw_cfg file
 * "etc/acpi/tables" read through I/O ports 0x510/0x511, the DMAR cut out of
 * it and its checksum filled in as the BIOS linker's checksum command does at
 * boot. Byte-identical except Asl Compiler ID/Revision, which QEMU sets to
 * "BXPC"/1 and iasl always replaces with its own (so the checksum differs).
 *
 * What it shows (hw/i386/acpi-build.c build_dmar_q35):
 * - one DRHD, register base 0xFED90000 (Q35_HOST_BRIDGE_IOMMU_ADDR), and
 *   *not* INCLUDE_PCI_ALL: QEMU lists every function of the root bus as an
 *   explicit scope, bridges as PCI sub-hierarchy scopes (devices behind a
 *   bridge are covered through it), at the time the table is built;
 * - the IOAPIC scope: enumeration id 0, start bus 0xFF, path 00.0
 *   (Q35_PSEUDO_BUS_PLATFORM, Q35_PSEUDO_DEVFN_IOAPIC);
 * - Host Address Width 0x26 (aw-bits=39), Flags INTR_REMAP (intremap is on
 *   by default under TCG);
 * - device-iotlb=on adds an ATSR with ALL_PORTS for segment 0;
 * - the edu at 00:06.0 is an endpoint scope; the root port 00:1c.0 a PCI
 *   sub-hierarchy scope, which is what covers the edu behind it (01:00.0).
 */

[000h 0000   4]                    Signature : "DMAR"    [DMA Remapping table]
[004h 0004   4]                 Table Length : 00000090
[008h 0008   1]                     Revision : 01
[009h 0009   1]                     Checksum : A5
[00Ah 0010   6]                       Oem ID : "BOCHS "
[010h 0016   8]                 Oem Table ID : "BXPC    "
[018h 0024   4]                 Oem Revision : 00000001
[01Ch 0028   4]              Asl Compiler ID : "BXPC"
[020h 0032   4]        Asl Compiler Revision : 00000001

[024h 0036   1]           Host Address Width : 26
[025h 0037   1]                        Flags : 01
[026h 0038  10]                     Reserved : 00 00 00 00 00 00 00 00 00 00

[030h 0048   2]                Subtable Type : 0000 [Hardware Unit Definition]
[032h 0050   2]                       Length : 0058

[034h 0052   1]                        Flags : 00
[035h 0053   1]                     Reserved : 00
[036h 0054   2]           PCI Segment Number : 0000
[038h 0056   8]        Register Base Address : 00000000FED90000

[040h 0064   1]            Device Scope Type : 03 [IOAPIC Device]
[041h 0065   1]                 Entry Length : 08
[042h 0066   2]                     Reserved : 0000
[044h 0068   1]               Enumeration ID : 00
[045h 0069   1]               PCI Bus Number : FF

[046h 0070   2]                     PCI Path : 00,00


[048h 0072   1]            Device Scope Type : 01 [PCI Endpoint Device]
[049h 0073   1]                 Entry Length : 08
[04Ah 0074   2]                     Reserved : 0000
[04Ch 0076   1]               Enumeration ID : 00
[04Dh 0077   1]               PCI Bus Number : 00

[04Eh 0078   2]                     PCI Path : 00,00


[050h 0080   1]            Device Scope Type : 01 [PCI Endpoint Device]
[051h 0081   1]                 Entry Length : 08
[052h 0082   2]                     Reserved : 0000
[054h 0084   1]               Enumeration ID : 00
[055h 0085   1]               PCI Bus Number : 00

[056h 0086   2]                     PCI Path : 01,00


[058h 0088   1]            Device Scope Type : 01 [PCI Endpoint Device]
[059h 0089   1]                 Entry Length : 08
[05Ah 0090   2]                     Reserved : 0000
[05Ch 0092   1]               Enumeration ID : 00
[05Dh 0093   1]               PCI Bus Number : 00

[05Eh 0094   2]                     PCI Path : 02,00


[060h 0096   1]            Device Scope Type : 01 [PCI Endpoint Device]
[061h 0097   1]                 Entry Length : 08
[062h 0098   2]                     Reserved : 0000
[064h 0100   1]               Enumeration ID : 00
[065h 0101   1]               PCI Bus Number : 00

[066h 0102   2]                     PCI Path : 06,00


[068h 0104   1]            Device Scope Type : 02 [PCI Bridge Device]
[069h 0105   1]                 Entry Length : 08
[06Ah 0106   2]                     Reserved : 0000
[06Ch 0108   1]               Enumeration ID : 00
[06Dh 0109   1]               PCI Bus Number : 00

[06Eh 0110   2]                     PCI Path : 1C,00


[070h 0112   1]            Device Scope Type : 01 [PCI Endpoint Device]
[071h 0113   1]                 Entry Length : 08
[072h 0114   2]                     Reserved : 0000
[074h 0116   1]               Enumeration ID : 00
[075h 0117   1]               PCI Bus Number : 00

[076h 0118   2]                     PCI Path : 1F,00


[078h 0120   1]            Device Scope Type : 01 [PCI Endpoint Device]
[079h 0121   1]                 Entry Length : 08
[07Ah 0122   2]                     Reserved : 0000
[07Ch 0124   1]               Enumeration ID : 00
[07Dh 0125   1]               PCI Bus Number : 00

[07Eh 0126   2]                     PCI Path : 1F,02


[080h 0128   1]            Device Scope Type : 01 [PCI Endpoint Device]
[081h 0129   1]                 Entry Length : 08
[082h 0130   2]                     Reserved : 0000
[084h 0132   1]               Enumeration ID : 00
[085h 0133   1]               PCI Bus Number : 00

[086h 0134   2]                     PCI Path : 1F,03


[088h 0136   2]                Subtable Type : 0002 [Root Port ATS Capability]
[08Ah 0138   2]                       Length : 0008

[08Ch 0140   1]                        Flags : 01
[08Dh 0141   1]                     Reserved : 00
[08Eh 0142   2]           PCI Segment Number : 0000
