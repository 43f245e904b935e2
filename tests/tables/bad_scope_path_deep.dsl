/*
 * bad_scope_path_deep: a scope whose path has 9 (device, function) hops, one
 * more than DMAR_MAX_PATH: a capacity error, not silent truncation.
 * Expected: -ENOSPC at offset 0x40.
 */

[000h 0000   4]                    Signature : "DMAR"    [DMA Remapping table]
[004h 0004   4]                 Table Length : 00000058
[008h 0008   1]                     Revision : 01
[009h 0009   1]                     Checksum : 6A
[00Ah 0010   6]                       Oem ID : "VTDTST"
[010h 0016   8]                 Oem Table ID : "BADTABLE"
[018h 0024   4]                 Oem Revision : 00000001
[01Ch 0028   4]              Asl Compiler ID : "INTL"
[020h 0032   4]        Asl Compiler Revision : 20200925

[024h 0036   1]           Host Address Width : 26
[025h 0037   1]                        Flags : 01
[026h 0038  10]                     Reserved : 00 00 00 00 00 00 00 00 00 00

[030h 0048   2]                Subtable Type : 0000 [Hardware Unit Definition]
[032h 0050   2]                       Length : 0028

[034h 0052   1]                        Flags : 00
[035h 0053   1]                     Reserved : 00
[036h 0054   2]           PCI Segment Number : 0000
[038h 0056   8]        Register Base Address : 00000000FED90000

[040h 0064   1]            Device Scope Type : 01 [PCI Endpoint Device]
[041h 0065   1]                 Entry Length : 18
[042h 0066   2]                     Reserved : 0000
[044h 0068   1]               Enumeration ID : 00
[045h 0069   1]               PCI Bus Number : 00

[046h 0070   2]                     PCI Path : 1C,00

[048h 0072   2]                     PCI Path : 00,00

[04Ah 0074   2]                     PCI Path : 00,00

[04Ch 0076   2]                     PCI Path : 00,00

[04Eh 0078   2]                     PCI Path : 00,00

[050h 0080   2]                     PCI Path : 00,00

[052h 0082   2]                     PCI Path : 00,00

[054h 0084   2]                     PCI Path : 00,00

[056h 0086   2]                     PCI Path : 00,00
