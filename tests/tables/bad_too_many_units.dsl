/*
 * bad_too_many_units: 17 DRHDs, one more than DMAR_MAX_UNITS: a capacity
 * error, not silent truncation.
 * Expected: -ENOSPC at offset 0x1B0.
 */

[000h 0000   4]                    Signature : "DMAR"    [DMA Remapping table]
[004h 0004   4]                 Table Length : 000001C8
[008h 0008   1]                     Revision : 01
[009h 0009   1]                     Checksum : BA
[00Ah 0010   6]                       Oem ID : "VTDTST"
[010h 0016   8]                 Oem Table ID : "BADTABLE"
[018h 0024   4]                 Oem Revision : 00000001
[01Ch 0028   4]              Asl Compiler ID : "INTL"
[020h 0032   4]        Asl Compiler Revision : 20200925

[024h 0036   1]           Host Address Width : 26
[025h 0037   1]                        Flags : 01
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

[046h 0070   2]                     PCI Path : 00,00


[048h 0072   2]                Subtable Type : 0000 [Hardware Unit Definition]
[04Ah 0074   2]                       Length : 0018

[04Ch 0076   1]                        Flags : 00
[04Dh 0077   1]                     Reserved : 00
[04Eh 0078   2]           PCI Segment Number : 0000
[050h 0080   8]        Register Base Address : 00000000FED91000

[058h 0088   1]            Device Scope Type : 01 [PCI Endpoint Device]
[059h 0089   1]                 Entry Length : 08
[05Ah 0090   2]                     Reserved : 0000
[05Ch 0092   1]               Enumeration ID : 00
[05Dh 0093   1]               PCI Bus Number : 00

[05Eh 0094   2]                     PCI Path : 01,00


[060h 0096   2]                Subtable Type : 0000 [Hardware Unit Definition]
[062h 0098   2]                       Length : 0018

[064h 0100   1]                        Flags : 00
[065h 0101   1]                     Reserved : 00
[066h 0102   2]           PCI Segment Number : 0000
[068h 0104   8]        Register Base Address : 00000000FED92000

[070h 0112   1]            Device Scope Type : 01 [PCI Endpoint Device]
[071h 0113   1]                 Entry Length : 08
[072h 0114   2]                     Reserved : 0000
[074h 0116   1]               Enumeration ID : 00
[075h 0117   1]               PCI Bus Number : 00

[076h 0118   2]                     PCI Path : 02,00


[078h 0120   2]                Subtable Type : 0000 [Hardware Unit Definition]
[07Ah 0122   2]                       Length : 0018

[07Ch 0124   1]                        Flags : 00
[07Dh 0125   1]                     Reserved : 00
[07Eh 0126   2]           PCI Segment Number : 0000
[080h 0128   8]        Register Base Address : 00000000FED93000

[088h 0136   1]            Device Scope Type : 01 [PCI Endpoint Device]
[089h 0137   1]                 Entry Length : 08
[08Ah 0138   2]                     Reserved : 0000
[08Ch 0140   1]               Enumeration ID : 00
[08Dh 0141   1]               PCI Bus Number : 00

[08Eh 0142   2]                     PCI Path : 03,00


[090h 0144   2]                Subtable Type : 0000 [Hardware Unit Definition]
[092h 0146   2]                       Length : 0018

[094h 0148   1]                        Flags : 00
[095h 0149   1]                     Reserved : 00
[096h 0150   2]           PCI Segment Number : 0000
[098h 0152   8]        Register Base Address : 00000000FED94000

[0A0h 0160   1]            Device Scope Type : 01 [PCI Endpoint Device]
[0A1h 0161   1]                 Entry Length : 08
[0A2h 0162   2]                     Reserved : 0000
[0A4h 0164   1]               Enumeration ID : 00
[0A5h 0165   1]               PCI Bus Number : 00

[0A6h 0166   2]                     PCI Path : 04,00


[0A8h 0168   2]                Subtable Type : 0000 [Hardware Unit Definition]
[0AAh 0170   2]                       Length : 0018

[0ACh 0172   1]                        Flags : 00
[0ADh 0173   1]                     Reserved : 00
[0AEh 0174   2]           PCI Segment Number : 0000
[0B0h 0176   8]        Register Base Address : 00000000FED95000

[0B8h 0184   1]            Device Scope Type : 01 [PCI Endpoint Device]
[0B9h 0185   1]                 Entry Length : 08
[0BAh 0186   2]                     Reserved : 0000
[0BCh 0188   1]               Enumeration ID : 00
[0BDh 0189   1]               PCI Bus Number : 00

[0BEh 0190   2]                     PCI Path : 05,00


[0C0h 0192   2]                Subtable Type : 0000 [Hardware Unit Definition]
[0C2h 0194   2]                       Length : 0018

[0C4h 0196   1]                        Flags : 00
[0C5h 0197   1]                     Reserved : 00
[0C6h 0198   2]           PCI Segment Number : 0000
[0C8h 0200   8]        Register Base Address : 00000000FED96000

[0D0h 0208   1]            Device Scope Type : 01 [PCI Endpoint Device]
[0D1h 0209   1]                 Entry Length : 08
[0D2h 0210   2]                     Reserved : 0000
[0D4h 0212   1]               Enumeration ID : 00
[0D5h 0213   1]               PCI Bus Number : 00

[0D6h 0214   2]                     PCI Path : 06,00


[0D8h 0216   2]                Subtable Type : 0000 [Hardware Unit Definition]
[0DAh 0218   2]                       Length : 0018

[0DCh 0220   1]                        Flags : 00
[0DDh 0221   1]                     Reserved : 00
[0DEh 0222   2]           PCI Segment Number : 0000
[0E0h 0224   8]        Register Base Address : 00000000FED97000

[0E8h 0232   1]            Device Scope Type : 01 [PCI Endpoint Device]
[0E9h 0233   1]                 Entry Length : 08
[0EAh 0234   2]                     Reserved : 0000
[0ECh 0236   1]               Enumeration ID : 00
[0EDh 0237   1]               PCI Bus Number : 00

[0EEh 0238   2]                     PCI Path : 07,00


[0F0h 0240   2]                Subtable Type : 0000 [Hardware Unit Definition]
[0F2h 0242   2]                       Length : 0018

[0F4h 0244   1]                        Flags : 00
[0F5h 0245   1]                     Reserved : 00
[0F6h 0246   2]           PCI Segment Number : 0000
[0F8h 0248   8]        Register Base Address : 00000000FED98000

[100h 0256   1]            Device Scope Type : 01 [PCI Endpoint Device]
[101h 0257   1]                 Entry Length : 08
[102h 0258   2]                     Reserved : 0000
[104h 0260   1]               Enumeration ID : 00
[105h 0261   1]               PCI Bus Number : 00

[106h 0262   2]                     PCI Path : 08,00


[108h 0264   2]                Subtable Type : 0000 [Hardware Unit Definition]
[10Ah 0266   2]                       Length : 0018

[10Ch 0268   1]                        Flags : 00
[10Dh 0269   1]                     Reserved : 00
[10Eh 0270   2]           PCI Segment Number : 0000
[110h 0272   8]        Register Base Address : 00000000FED99000

[118h 0280   1]            Device Scope Type : 01 [PCI Endpoint Device]
[119h 0281   1]                 Entry Length : 08
[11Ah 0282   2]                     Reserved : 0000
[11Ch 0284   1]               Enumeration ID : 00
[11Dh 0285   1]               PCI Bus Number : 00

[11Eh 0286   2]                     PCI Path : 09,00


[120h 0288   2]                Subtable Type : 0000 [Hardware Unit Definition]
[122h 0290   2]                       Length : 0018

[124h 0292   1]                        Flags : 00
[125h 0293   1]                     Reserved : 00
[126h 0294   2]           PCI Segment Number : 0000
[128h 0296   8]        Register Base Address : 00000000FED9A000

[130h 0304   1]            Device Scope Type : 01 [PCI Endpoint Device]
[131h 0305   1]                 Entry Length : 08
[132h 0306   2]                     Reserved : 0000
[134h 0308   1]               Enumeration ID : 00
[135h 0309   1]               PCI Bus Number : 00

[136h 0310   2]                     PCI Path : 0A,00


[138h 0312   2]                Subtable Type : 0000 [Hardware Unit Definition]
[13Ah 0314   2]                       Length : 0018

[13Ch 0316   1]                        Flags : 00
[13Dh 0317   1]                     Reserved : 00
[13Eh 0318   2]           PCI Segment Number : 0000
[140h 0320   8]        Register Base Address : 00000000FED9B000

[148h 0328   1]            Device Scope Type : 01 [PCI Endpoint Device]
[149h 0329   1]                 Entry Length : 08
[14Ah 0330   2]                     Reserved : 0000
[14Ch 0332   1]               Enumeration ID : 00
[14Dh 0333   1]               PCI Bus Number : 00

[14Eh 0334   2]                     PCI Path : 0B,00


[150h 0336   2]                Subtable Type : 0000 [Hardware Unit Definition]
[152h 0338   2]                       Length : 0018

[154h 0340   1]                        Flags : 00
[155h 0341   1]                     Reserved : 00
[156h 0342   2]           PCI Segment Number : 0000
[158h 0344   8]        Register Base Address : 00000000FED9C000

[160h 0352   1]            Device Scope Type : 01 [PCI Endpoint Device]
[161h 0353   1]                 Entry Length : 08
[162h 0354   2]                     Reserved : 0000
[164h 0356   1]               Enumeration ID : 00
[165h 0357   1]               PCI Bus Number : 00

[166h 0358   2]                     PCI Path : 0C,00


[168h 0360   2]                Subtable Type : 0000 [Hardware Unit Definition]
[16Ah 0362   2]                       Length : 0018

[16Ch 0364   1]                        Flags : 00
[16Dh 0365   1]                     Reserved : 00
[16Eh 0366   2]           PCI Segment Number : 0000
[170h 0368   8]        Register Base Address : 00000000FED9D000

[178h 0376   1]            Device Scope Type : 01 [PCI Endpoint Device]
[179h 0377   1]                 Entry Length : 08
[17Ah 0378   2]                     Reserved : 0000
[17Ch 0380   1]               Enumeration ID : 00
[17Dh 0381   1]               PCI Bus Number : 00

[17Eh 0382   2]                     PCI Path : 0D,00


[180h 0384   2]                Subtable Type : 0000 [Hardware Unit Definition]
[182h 0386   2]                       Length : 0018

[184h 0388   1]                        Flags : 00
[185h 0389   1]                     Reserved : 00
[186h 0390   2]           PCI Segment Number : 0000
[188h 0392   8]        Register Base Address : 00000000FED9E000

[190h 0400   1]            Device Scope Type : 01 [PCI Endpoint Device]
[191h 0401   1]                 Entry Length : 08
[192h 0402   2]                     Reserved : 0000
[194h 0404   1]               Enumeration ID : 00
[195h 0405   1]               PCI Bus Number : 00

[196h 0406   2]                     PCI Path : 0E,00


[198h 0408   2]                Subtable Type : 0000 [Hardware Unit Definition]
[19Ah 0410   2]                       Length : 0018

[19Ch 0412   1]                        Flags : 00
[19Dh 0413   1]                     Reserved : 00
[19Eh 0414   2]           PCI Segment Number : 0000
[1A0h 0416   8]        Register Base Address : 00000000FED9F000

[1A8h 0424   1]            Device Scope Type : 01 [PCI Endpoint Device]
[1A9h 0425   1]                 Entry Length : 08
[1AAh 0426   2]                     Reserved : 0000
[1ACh 0428   1]               Enumeration ID : 00
[1ADh 0429   1]               PCI Bus Number : 00

[1AEh 0430   2]                     PCI Path : 0F,00


[1B0h 0432   2]                Subtable Type : 0000 [Hardware Unit Definition]
[1B2h 0434   2]                       Length : 0018

[1B4h 0436   1]                        Flags : 01
[1B5h 0437   1]                     Reserved : 00
[1B6h 0438   2]           PCI Segment Number : 0000
[1B8h 0440   8]        Register Base Address : 00000000FEDA0000

[1C0h 0448   1]            Device Scope Type : 03 [IOAPIC Device]
[1C1h 0449   1]                 Entry Length : 08
[1C2h 0450   2]                     Reserved : 0000
[1C4h 0452   1]               Enumeration ID : 00
[1C5h 0453   1]               PCI Bus Number : FF

[1C6h 0454   2]                     PCI Path : 00,00
