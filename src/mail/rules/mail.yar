/*
 * Vigil's YARA rules for mail attachments and the files inside them: the NOBELIUM 2021 delivery
 * (EnvyScout HTML smuggling, ISO/IMG with LNK + DLL, LNK launching a DLL through rundll32) and
 * generic HTML smuggling. Written from the public descriptions (MSTIC, Volexity, signature-base
 * markers quoted in the project's reference notes); one rule per behaviour, each explained.
 */

rule Vigil_EnvyScout_HTML_Smuggling
{
    meta:
        description = "EnvyScout-style HTML smuggling: an ISO built in the browser and saved (NOBELIUM 2021)"
        reference = "MSTIC 2021-05-28 NOBELIUM toolset; signature-base apt_apt29_nobelium_may21.yar markers"
    strings:
        $save = "saveAs(blob, " ascii nocase
        $iso_ext = ".iso\");" ascii nocase
        $iso_mime = "application/x-cd-image" ascii nocase
        $win = ".indexOf(\"Win\")!=-1" ascii
        $xor = ".charCodeAt(0) ^ 2);}" ascii
    condition:
        filesize < 5MB and ($xor or 3 of ($save, $iso_ext, $iso_mime, $win))
}

rule Vigil_HTML_Smuggling_Generic
{
    meta:
        description = "HTML that decodes an embedded blob and makes the browser save it as a file"
    strings:
        $b1 = "new Blob(" ascii nocase
        $b2 = "Uint8Array" ascii
        $b3 = "atob(" ascii
        $s1 = "msSaveOrOpenBlob" ascii
        $s2 = "createObjectURL" ascii
        $s3 = ".download=" ascii nocase
        $s4 = ".download = " ascii nocase
        $s5 = ".click()" ascii
    condition:
        filesize < 20MB and 2 of ($b*) and 2 of ($s*)
}

rule Vigil_LNK_Rundll32_DLL
{
    meta:
        description = "Windows shortcut that runs a DLL export through rundll32 (the LNK + DLL pair in NOBELIUM's ISOs)"
    strings:
        $r1 = "rundll32" ascii wide nocase
        $d1 = ".dll," ascii wide nocase
    condition:
        uint32(0) == 0x0000004c and filesize < 64KB and $r1 and $d1
}

rule Vigil_ISO_With_Shortcut
{
    meta:
        description = "ISO 9660 image holding a Windows shortcut (.lnk): opened by a double click, it escapes Mark-of-the-Web"
    strings:
        $cd = "CD001" ascii
        $lnk = ".LNK;1" ascii nocase
        $lnk_joliet = { 00 2E 00 6C 00 6E 00 6B }
    condition:
        $cd at 32769 and ($lnk or $lnk_joliet)
}
