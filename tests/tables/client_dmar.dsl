/*
 * client_dmar: a client platform, modelled on Intel laptop and desktop tables.
 * - DRHD 0 at 0xFED90000 serves only the integrated graphics (PCI endpoint
 *   00:02.0). On real parts this unit lacks snoop control (ECAP.SC = 0): a
 *   CAP/ECAP fact of the unit, not something DMAR can say.
 * - DRHD 1 at 0xFED91000 is INCLUDE_PCI_ALL for segment 0, last as 8.3
 *   requires, with the IOAPIC (id 2, source F0:1F.0), the HPET (00:1F.0) and
 *   the ACPI namespace device 1 (LPSS I2C0, source 00:15.0) in its scope.
 * - RMRR for USB (00:14.0, 00:1a.0, and a discrete xHCI behind root port
 *   00:1c.0: a two-hop path 1c.0 -> 00.0), RMRR for graphics (00:02.0).
 * - ATSR naming root port 00:1c.0 as a PCI sub-hierarchy.
 * - RHSA putting DRHD 1 in proximity domain 0; ANDD 1 = \_SB.PC00.I2C0.
 * Host Address Width 39 bits; Flags INTR_REMAP | DMA_CTRL_PLATFORM_OPT_IN.
 * The byte iasl 20200925 labels "Reserved" after each DRHD's Flags is the
 * VT-d 3.0 Size field (register set of 2^N pages; 0 = one page).
 */

[000h 0000   4]                    Signature : "DMAR"    [DMA Remapping table]
[004h 0004   4]                 Table Length : 000000FD
[008h 0008   1]                     Revision : 01
[009h 0009   1]                     Checksum : 3B
[00Ah 0010   6]                       Oem ID : "VTDTST"
[010h 0016   8]                 Oem Table ID : "CLIENT  "
[018h 0024   4]                 Oem Revision : 00000001
[01Ch 0028   4]              Asl Compiler ID : "INTL"
[020h 0032   4]        Asl Compiler Revision : 20200925

[024h 0036   1]           Host Address Width : 26
[025h 0037   1]                        Flags : 05
[026h 0038  10]                     Reserved : 00 00 00 00 00 00 00 00 00 00

[030h 0048   2]                Subtable Type : 0000 [Hardware Unit Definition]
[032h 0050   2]                       Length : 0018

[034h 0052   1]                        Flags : 00
[035h 0053   1]                     Reserved : 00
[036h 0054   2]           PCI Segment Number : 0000
[038h 0056   8]        Register Base Address : 00000000FED90000

[040h 0064   1]            Device Scope Type : 01 [PCI Endpoint Device]
[041h 0065   1]                 Entry Length : 08
[042h 0066   2]                     Reserved : 0000
[044h 0068   1]               Enumeration ID : 00
[045h 0069   1]               PCI Bus Number : 00

[046h 0070   2]                     PCI Path : 02,00


[048h 0072   2]                Subtable Type : 0000 [Hardware Unit Definition]
[04Ah 0074   2]                       Length : 0028

[04Ch 0076   1]                        Flags : 01
[04Dh 0077   1]                     Reserved : 00
[04Eh 0078   2]           PCI Segment Number : 0000
[050h 0080   8]        Register Base Address : 00000000FED91000

[058h 0088   1]            Device Scope Type : 03 [IOAPIC Device]
[059h 0089   1]                 Entry Length : 08
[05Ah 0090   2]                     Reserved : 0000
[05Ch 0092   1]               Enumeration ID : 02
[05Dh 0093   1]               PCI Bus Number : F0

[05Eh 0094   2]                     PCI Path : 1F,00


[060h 0096   1]            Device Scope Type : 04 [Message-capable HPET Device]
[061h 0097   1]                 Entry Length : 08
[062h 0098   2]                     Reserved : 0000
[064h 0100   1]               Enumeration ID : 00
[065h 0101   1]               PCI Bus Number : 00

[066h 0102   2]                     PCI Path : 1F,00


[068h 0104   1]            Device Scope Type : 05 [Namespace Device]
[069h 0105   1]                 Entry Length : 08
[06Ah 0106   2]                     Reserved : 0000
[06Ch 0108   1]               Enumeration ID : 01
[06Dh 0109   1]               PCI Bus Number : 00

[06Eh 0110   2]                     PCI Path : 15,00


[070h 0112   2]                Subtable Type : 0001 [Reserved Memory Region]
[072h 0114   2]                       Length : 0032

[074h 0116   2]                     Reserved : 0000
[076h 0118   2]           PCI Segment Number : 0000
[078h 0120   8]                 Base Address : 000000003E2E0000
[080h 0128   8]          End Address (limit) : 000000003E2FFFFF

[088h 0136   1]            Device Scope Type : 01 [PCI Endpoint Device]
[089h 0137   1]                 Entry Length : 08
[08Ah 0138   2]                     Reserved : 0000
[08Ch 0140   1]               Enumeration ID : 00
[08Dh 0141   1]               PCI Bus Number : 00

[08Eh 0142   2]                     PCI Path : 14,00


[090h 0144   1]            Device Scope Type : 01 [PCI Endpoint Device]
[091h 0145   1]                 Entry Length : 08
[092h 0146   2]                     Reserved : 0000
[094h 0148   1]               Enumeration ID : 00
[095h 0149   1]               PCI Bus Number : 00

[096h 0150   2]                     PCI Path : 1A,00


[098h 0152   1]            Device Scope Type : 01 [PCI Endpoint Device]
[099h 0153   1]                 Entry Length : 0A
[09Ah 0154   2]                     Reserved : 0000
[09Ch 0156   1]               Enumeration ID : 00
[09Dh 0157   1]               PCI Bus Number : 00

[09Eh 0158   2]                     PCI Path : 1C,00

[0A0h 0160   2]                     PCI Path : 00,00


[0A2h 0162   2]                Subtable Type : 0001 [Reserved Memory Region]
[0A4h 0164   2]                       Length : 0020

[0A6h 0166   2]                     Reserved : 0000
[0A8h 0168   2]           PCI Segment Number : 0000
[0AAh 0170   8]                 Base Address : 000000003E800000
[0B2h 0178   8]          End Address (limit) : 000000003FFFFFFF

[0BAh 0186   1]            Device Scope Type : 01 [PCI Endpoint Device]
[0BBh 0187   1]                 Entry Length : 08
[0BCh 0188   2]                     Reserved : 0000
[0BEh 0190   1]               Enumeration ID : 00
[0BFh 0191   1]               PCI Bus Number : 00

[0C0h 0192   2]                     PCI Path : 02,00


[0C2h 0194   2]                Subtable Type : 0002 [Root Port ATS Capability]
[0C4h 0196   2]                       Length : 0010

[0C6h 0198   1]                        Flags : 00
[0C7h 0199   1]                     Reserved : 00
[0C8h 0200   2]           PCI Segment Number : 0000

[0CAh 0202   1]            Device Scope Type : 02 [PCI Bridge Device]
[0CBh 0203   1]                 Entry Length : 08
[0CCh 0204   2]                     Reserved : 0000
[0CEh 0206   1]               Enumeration ID : 00
[0CFh 0207   1]               PCI Bus Number : 00

[0D0h 0208   2]                     PCI Path : 1C,00


[0D2h 0210   2]                Subtable Type : 0003 [Remapping Hardware Static Affinity]
[0D4h 0212   2]                       Length : 0014

[0D6h 0214   4]                     Reserved : 00000000
[0DAh 0218   8]                 Base Address : 00000000FED91000
[0E2h 0226   4]             Proximity Domain : 00000000

[0E6h 0230   2]                Subtable Type : 0004 [ACPI Namespace Device Declaration]
[0E8h 0232   2]                       Length : 0017

[0EAh 0234   3]                     Reserved : 000000
[0EDh 0237   1]                Device Number : 01
[0EEh 0238  15]                  Device Name : "\_SB.PC00.I2C0"
