; Inno Setup 6 script for Haven: `iscc installer\windows\haven.iss` after `make installer`
; (or installer\build-windows.ps1) has built dist\Haven on Windows.
;
; Per-user by default: no administrator rights, installed under
; %LOCALAPPDATA%\Programs\Haven with a Start-menu entry and an uninstaller. IT deploying to
; every user runs the installer with /ALLUSERS (then it needs admin rights and installs
; under Program Files). Silent: Haven-VERSION-setup.exe /VERYSILENT /SUPPRESSMSGBOXES.
;
; Uninstalling removes the program only. The encrypted profiles in %LOCALAPPDATA%\Haven stay
; unless the user says yes to deleting them, or a silent uninstall is given /DELETEDATA.
; Machine-wide settings in C:\ProgramData\Haven belong to IT and are never touched.

#define AppName "Haven"
#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif

[Setup]
AppId={{6C1E0B8A-3D54-4B7A-9E61-5A0F2C8D4E17}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=Haven
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=commandline
OutputDir=..\..\dist
OutputBaseFilename=Haven-{#AppVersion}-setup
SetupIconFile=..\icons\haven.ico
UninstallDisplayIcon={app}\Haven.exe
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible

[Files]
Source: "..\..\dist\Haven\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\Haven.exe"
Name: "{autoprograms}\Uninstall {#AppName}"; Filename: "{uninstallexe}"

[Run]
Filename: "{app}\Haven.exe"; Description: "Open Haven"; Flags: nowait postinstall skipifsilent

[Code]
function DataFolder(): String;
begin
  { platformdirs' non-roaming user data folder, as app/profile.py uses it }
  Result := ExpandConstant('{localappdata}\Haven');
end;

function WantsDataDeleted(): Boolean;
var
  I: Integer;
begin
  Result := False;
  for I := 1 to ParamCount do
    if CompareText(ParamStr(I), '/DELETEDATA') = 0 then
      Result := True;
  if (not Result) and (not UninstallSilent) and DirExists(DataFolder()) then
    Result := MsgBox('Also delete your encrypted Haven records in ' + DataFolder() + '?' + #13#10 +
      'They cannot be recovered afterwards. Choose No to keep them (a later install opens them again).',
      mbConfirmation, MB_YESNO or MB_DEFBUTTON2) = IDYES;
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if (CurUninstallStep = usPostUninstall) and WantsDataDeleted() then
    DelTree(DataFolder(), True, True, True);
end;
