/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * efiapp.c - a minimal UEFI application for the El Torito boot tests
 * (tests/integration/eltorito.sh), built with gnu-efi as
 * EFI/BOOT/BOOTX64.EFI.  It writes its marker through the console output
 * protocol (OVMF copies the console to the serial port) and powers the
 * machine off, so QEMU ends at once.
 */
#include <efi.h>
#include <efilib.h>

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
    (void)image;
    SIMPLE_TEXT_OUTPUT_INTERFACE *out = systab->ConOut;
    uefi_call_wrapper(out->OutputString, 2, out, (CHAR16 *)L"\r\nFSI-EFI-BOOT-OK\r\n");
    uefi_call_wrapper(systab->RuntimeServices->ResetSystem, 4, EfiResetShutdown, EFI_SUCCESS,
                      0, NULL);
    return EFI_SUCCESS;
}
