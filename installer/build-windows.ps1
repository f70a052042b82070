# Build the Windows bundle (run in a venv with the project installed: pip install -e .[installer]).
# Wrap dist\Haven with your organisation's MSI tooling and sign it with the code-signing
# certificate before distribution.
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..")
pyinstaller --noconfirm installer\haven.spec
Compress-Archive -Path dist\Haven -DestinationPath dist\Haven-windows.zip -Force
