/*
 * bad_header_short: the ACPI header and only 4 of the 12 DMAR header bytes
 * (Length 40 < 48).
 * Expected: -DMAR_E_TABLE_SHORT.
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
[010h 0016   8]                       Oem Table ID : "BADTABLE"
[018h 0024   4]                       Oem Revision : 00000001
[01Ch 0028   4]                    Asl Compiler ID : "INTL"
[020h 0032   4]              Asl Compiler Revision : 20200925

UINT8 : 26                 // [024h] Host Address Width (bits - 1)
UINT8 : 01                 // [025h] Flags
UINT16 : 0000              // [026h] Reserved (cut short)
