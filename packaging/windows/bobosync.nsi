; BoboSync for Windows: a per-user installer (no administrator rights) of the
; tray app and the `bobosync` command. Built on Linux by dev/package with
; Debian's makensis:
;   makensis -DVERSION=x.y.z -DSRC=<folder with the .exe files> -DOUT=<setup.exe> bobosync.nsi
; (-DFAST_COMPRESSION: zlib instead of solid LZMA, for CI's debug packages:
; LZMA takes minutes over their 150 MB.)
; Silent: `BoboSync-setup.exe /S` installs; `uninstall.exe /S` removes the
; program and keeps the settings, database and logs (add /DELETEDATA to
; remove those too).

Unicode true
; 64-bit installer stub: BoboSync is 64-bit only (and so is Wine here).
Target amd64-unicode
!ifdef FAST_COMPRESSION
SetCompressor zlib
!else
SetCompressor /SOLID lzma
!endif

!include MUI2.nsh
!include LogicLib.nsh
!include WinMessages.nsh
!include StrFunc.nsh
!include FileFunc.nsh
!include Sections.nsh

!ifndef VERSION
  !error "pass -DVERSION=x.y.z"
!endif
!ifndef SRC
  !error "pass -DSRC=<folder holding bobosync.exe and bobosync-tray.exe>"
!endif
!ifndef OUT
  !error "pass -DOUT=<installer path>"
!endif

!define PRODUCT "BoboSync"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\BoboSync"
!define RUN_KEY "Software\Microsoft\Windows\CurrentVersion\Run"
; The Evergreen WebView2 Runtime's client key (per machine, then per user).
!define WEBVIEW2_KEY "Microsoft\EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}"

Name "${PRODUCT} ${VERSION}"
OutFile "${OUT}"
InstallDir "$LOCALAPPDATA\Programs\BoboSync"
InstallDirRegKey HKCU "Software\BoboSync" "InstallDir"
RequestExecutionLevel user
ShowInstDetails show
VIProductVersion "${VERSION}.0"
VIAddVersionKey "ProductName" "${PRODUCT}"
VIAddVersionKey "FileDescription" "${PRODUCT} installer"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "LegalCopyright" "BoboSync contributors"

${StrStr}
${UnStrRep}

!define MUI_ICON "${SRC}\icon.ico"
!define MUI_UNICON "${SRC}\icon.ico"
!define MUI_COMPONENTSPAGE_NODESC
!define MUI_FINISHPAGE_RUN "$INSTDIR\bobosync-tray.exe"
!define MUI_FINISHPAGE_RUN_TEXT "Start BoboSync now"
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_COMPONENTS
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

Function .onInit
  ; The window needs the WebView2 Runtime (Windows 10 and 11 include it);
  ; the `bobosync` command does not. Say so, and install anyway.
  ReadRegStr $0 HKLM "SOFTWARE\WOW6432Node\${WEBVIEW2_KEY}" "pv"
  ${If} $0 == ""
    ReadRegStr $0 HKLM "SOFTWARE\${WEBVIEW2_KEY}" "pv"
  ${EndIf}
  ${If} $0 == ""
    ReadRegStr $0 HKCU "SOFTWARE\${WEBVIEW2_KEY}" "pv"
  ${EndIf}
  ${If} $0 == ""
  ${OrIf} $0 == "0.0.0.0"
    MessageBox MB_OK|MB_ICONEXCLAMATION "The Microsoft Edge WebView2 Runtime is not installed. BoboSync's window needs it: install it from Microsoft (search for $\"WebView2 Runtime$\"). The tray icon's sync and the bobosync command work without it." /SD IDOK
  ${EndIf}
FunctionEnd

Section "BoboSync (tray app and the bobosync command)" SecProgram
  SectionIn RO
  SetOutPath "$INSTDIR"
  File "${SRC}\bobosync-tray.exe"
  File "${SRC}\bobosync.exe"
  !ifdef WEBVIEW2_LOADER
    File "${SRC}\WebView2Loader.dll"
  !endif
  File "${SRC}\operators-guide.md"
  WriteUninstaller "$INSTDIR\uninstall.exe"
  WriteRegStr HKCU "Software\BoboSync" "InstallDir" "$INSTDIR"

  CreateShortcut "$SMPROGRAMS\BoboSync.lnk" "$INSTDIR\bobosync-tray.exe"

  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "${PRODUCT}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "${PRODUCT}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\bobosync-tray.exe"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "EstimatedSize" $0

  ; `bobosync` on the user's PATH (new consoles see it).
  ReadRegStr $0 HKCU "Environment" "Path"
  ${StrStr} $1 "$0" "$INSTDIR"
  ${If} $1 == ""
    ${If} $0 == ""
      WriteRegExpandStr HKCU "Environment" "Path" "$INSTDIR"
    ${Else}
      WriteRegExpandStr HKCU "Environment" "Path" "$0;$INSTDIR"
    ${EndIf}
    SendMessage ${HWND_BROADCAST} ${WM_SETTINGCHANGE} 0 "STR:Environment" /TIMEOUT=5000
  ${EndIf}
SectionEnd

; The same entry the tray's own "Start at login" writes (tauri-plugin-autostart).
Section /o "Start BoboSync when I sign in" SecAutostart
  WriteRegStr HKCU "${RUN_KEY}" "${PRODUCT}" '"$INSTDIR\bobosync-tray.exe" --hidden'
SectionEnd

Section "un.BoboSync" UnSecProgram
  SectionIn RO
  ; A running tray app holds its .exe: ask it to go (it finishes its batch).
  nsExec::Exec 'taskkill /IM bobosync-tray.exe'
  Pop $0
  Delete "$INSTDIR\bobosync-tray.exe"
  Delete "$INSTDIR\bobosync.exe"
  Delete "$INSTDIR\WebView2Loader.dll"
  Delete "$INSTDIR\operators-guide.md"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  Delete "$SMPROGRAMS\BoboSync.lnk"
  DeleteRegValue HKCU "${RUN_KEY}" "${PRODUCT}"
  DeleteRegKey HKCU "${UNINSTALL_KEY}"
  DeleteRegKey HKCU "Software\BoboSync"

  ReadRegStr $0 HKCU "Environment" "Path"
  ${UnStrRep} $0 "$0" ";$INSTDIR" ""
  ${UnStrRep} $0 "$0" "$INSTDIR;" ""
  ${UnStrRep} $0 "$0" "$INSTDIR" ""
  ${If} $0 == ""
    DeleteRegValue HKCU "Environment" "Path"
  ${Else}
    WriteRegExpandStr HKCU "Environment" "Path" "$0"
  ${EndIf}
  SendMessage ${HWND_BROADCAST} ${WM_SETTINGCHANGE} 0 "STR:Environment" /TIMEOUT=5000
SectionEnd

Section /o "un.Also delete the settings, database and logs" UnSecData
  RMDir /r "$APPDATA\BoboSync"
  ; The window's WebView2 data (Tauri's identifier).
  RMDir /r "$LOCALAPPDATA\org.bobosync.tray"
SectionEnd

; /DELETEDATA (for silent uninstalls) ticks the data section.
Function un.onInit
  ${GetParameters} $0
  ClearErrors
  ${GetOptions} "$0" "/DELETEDATA" $1
  ${IfNot} ${Errors}
    !insertmacro SelectSection ${UnSecData}
  ${EndIf}
FunctionEnd
