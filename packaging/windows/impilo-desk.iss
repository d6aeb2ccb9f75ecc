; Inno Setup 6 script for Impilo Desk. Built by packaging/windows/build.ps1, which passes:
;   /DAppVersion=0.1.0  /DSourceDir=<repo>\build\dist\impilo-desk  /DIconFile=<repo>\build\icons\impilo-desk.ico
; Installs per user by default (no admin prompt); an administrator may choose "all users".

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef SourceDir
  #define SourceDir "..\..\build\dist\impilo-desk"
#endif
#ifndef IconFile
  #define IconFile "..\..\build\icons\impilo-desk.ico"
#endif
#define AppName "Impilo Desk"
#define AppExe "impilo-desk.exe"

[Setup]
; AppId identifies the app for upgrades and uninstall: never change it.
AppId={{E4AC4E2B-7F7B-46D6-9500-D218525A267A}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Impilo Desk Team
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog commandline
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputBaseFilename=impilo-desk-{#AppVersion}-setup
SetupIconFile={#IconFile}
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; the whole PyInstaller one-folder build
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

; Profiles and logs under %APPDATA% and credentials in Windows Credential Manager belong to the
; user and are kept on uninstall.
