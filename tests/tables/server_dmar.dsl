/*
 * server_dmar: a two-segment server with SoC-integrated accelerators.
 * - Segment 0: DRHD at 0xD37FC000 for root port 00:01.0 (PCI sub-hierarchy)
 *   and the accelerator 00:04.0; DRHD at 0xE0FFC000, INCLUDE_PCI_ALL, with
 *   the IOAPIC (id 8) and HPET scopes.
 * - Segment 1: DRHD at 0xFBFFC000, INCLUDE_PCI_ALL, Size 2 (a 16 KiB
 *   register set, VT-d 3.0 Size field).
 * - RMRR for USB 00:14.0; ATSR ALL_PORTS on segment 1; one RHSA per unit
 *   (domains 0, 0, 1); SATC (8.8) with ATC_REQUIRED naming 00:04.0.
 * Host Address Width 52 bits; Flags INTR_REMAP | X2APIC_OPT_OUT.
 *
 * Written raw: iasl 20200925's DMAR compiler recomputes every Length and
 * checksum, loops forever on a Length that disagrees with the fields, and
 * knows no SATC (type 5) or reserved types. So this table is compiled as
 * generic data under the signature "XMAR", every byte as written here;
 * tests/host/test_dmar.c renames it to "DMAR" and recomputes the checksum
 * before parsing. Offsets in brackets are from the start of the table.
 */

[000h 0000   4]                          Signature : "XMAR"
[004h 0004   4]                       Table Length : 00000000
[008h 0008   1]                           Revision : 01
[009h 0009   1]                           Checksum : 00
[00Ah 0010   6]                             Oem ID : "VTDTST"
[010h 0016   8]                       Oem Table ID : "SERVER  "
[018h 0024   4]                       Oem Revision : 00000001
[01Ch 0028   4]                    Asl Compiler ID : "INTL"
[020h 0032   4]              Asl Compiler Revision : 20200925

UINT8 : 33                 // [024h] Host Address Width (bits - 1)
UINT8 : 03                 // [025h] Flags
Buffer : 00 00 00 00 00 00 00 00 00 00 // [026h] Reserved

UINT16 : 0000              // [030h] Type: DRHD
UINT16 : 0020              // [032h] Length
UINT8 : 00                 // [034h] Flags
UINT8 : 00                 // [035h] Size: register set 2^N pages
UINT16 : 0000              // [036h] Segment
UINT64 : 00000000D37FC000  // [038h] Register Base Address
UINT8 : 02                 // [040h] Device Scope Type: PCI sub-hierarchy
UINT8 : 08                 // [041h] Length
UINT16 : 0000              // [042h] Reserved
UINT8 : 00                 // [044h] Enumeration ID
UINT8 : 00                 // [045h] Start Bus Number
UINT8 : 01                 // [046h] Path: device
UINT8 : 00                 // [047h] Path: function
UINT8 : 01                 // [048h] Device Scope Type: PCI endpoint
UINT8 : 08                 // [049h] Length
UINT16 : 0000              // [04Ah] Reserved
UINT8 : 00                 // [04Ch] Enumeration ID
UINT8 : 00                 // [04Dh] Start Bus Number
UINT8 : 04                 // [04Eh] Path: device
UINT8 : 00                 // [04Fh] Path: function

UINT16 : 0000              // [050h] Type: DRHD
UINT16 : 0020              // [052h] Length
UINT8 : 01                 // [054h] Flags: INCLUDE_PCI_ALL
UINT8 : 00                 // [055h] Size: register set 2^N pages
UINT16 : 0000              // [056h] Segment
UINT64 : 00000000E0FFC000  // [058h] Register Base Address
UINT8 : 03                 // [060h] Device Scope Type: IOAPIC
UINT8 : 08                 // [061h] Length
UINT16 : 0000              // [062h] Reserved
UINT8 : 08                 // [064h] Enumeration ID
UINT8 : 00                 // [065h] Start Bus Number
UINT8 : 1E                 // [066h] Path: device
UINT8 : 01                 // [067h] Path: function
UINT8 : 04                 // [068h] Device Scope Type: MSI-capable HPET
UINT8 : 08                 // [069h] Length
UINT16 : 0000              // [06Ah] Reserved
UINT8 : 00                 // [06Ch] Enumeration ID
UINT8 : 00                 // [06Dh] Start Bus Number
UINT8 : 1E                 // [06Eh] Path: device
UINT8 : 06                 // [06Fh] Path: function

UINT16 : 0000              // [070h] Type: DRHD
UINT16 : 0010              // [072h] Length
UINT8 : 01                 // [074h] Flags: INCLUDE_PCI_ALL
UINT8 : 02                 // [075h] Size: register set 2^N pages
UINT16 : 0001              // [076h] Segment
UINT64 : 00000000FBFFC000  // [078h] Register Base Address

UINT16 : 0001              // [080h] Type: RMRR
UINT16 : 0020              // [082h] Length
UINT16 : 0000              // [084h] Reserved
UINT16 : 0000              // [086h] Segment
UINT64 : 000000006F5E3000  // [088h] Base Address
UINT64 : 000000006F5F2FFF  // [090h] Limit Address (inclusive)
UINT8 : 01                 // [098h] Device Scope Type: PCI endpoint
UINT8 : 08                 // [099h] Length
UINT16 : 0000              // [09Ah] Reserved
UINT8 : 00                 // [09Ch] Enumeration ID
UINT8 : 00                 // [09Dh] Start Bus Number
UINT8 : 14                 // [09Eh] Path: device
UINT8 : 00                 // [09Fh] Path: function

UINT16 : 0002              // [0A0h] Type: ATSR
UINT16 : 0008              // [0A2h] Length
UINT8 : 01                 // [0A4h] Flags: ALL_PORTS
UINT8 : 00                 // [0A5h] Reserved
UINT16 : 0001              // [0A6h] Segment

UINT16 : 0003              // [0A8h] Type: RHSA
UINT16 : 0014              // [0AAh] Length
UINT32 : 00000000          // [0ACh] Reserved
UINT64 : 00000000D37FC000  // [0B0h] Register Base Address
UINT32 : 00000000          // [0B8h] Proximity Domain

UINT16 : 0003              // [0BCh] Type: RHSA
UINT16 : 0014              // [0BEh] Length
UINT32 : 00000000          // [0C0h] Reserved
UINT64 : 00000000E0FFC000  // [0C4h] Register Base Address
UINT32 : 00000000          // [0CCh] Proximity Domain

UINT16 : 0003              // [0D0h] Type: RHSA
UINT16 : 0014              // [0D2h] Length
UINT32 : 00000000          // [0D4h] Reserved
UINT64 : 00000000FBFFC000  // [0D8h] Register Base Address
UINT32 : 00000001          // [0E0h] Proximity Domain

UINT16 : 0005              // [0E4h] Type: SATC
UINT16 : 0010              // [0E6h] Length
UINT8 : 01                 // [0E8h] Flags: ATC_REQUIRED
UINT8 : 00                 // [0E9h] Reserved
UINT16 : 0000              // [0EAh] Segment
UINT8 : 01                 // [0ECh] Device Scope Type: PCI endpoint
UINT8 : 08                 // [0EDh] Length
UINT16 : 0000              // [0EEh] Reserved
UINT8 : 00                 // [0F0h] Enumeration ID
UINT8 : 00                 // [0F1h] Start Bus Number
UINT8 : 04                 // [0F2h] Path: device
UINT8 : 00                 // [0F3h] Path: function
