# Build the Windows bundle and the per-user installer (run in a venv with the project
# installed: pip install -e .[installer]; Inno Setup 6's iscc.exe on PATH).
# installer\build.py freezes Haven, checks its size, and runs iscc on installer\windows\haven.iss.
# Sign dist\Haven\Haven.exe and the setup .exe with the organisation's code-signing
# certificate before distribution.
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..")
python -c "from PIL import Image; Image.open('installer/icons/haven.png').save('installer/icons/haven.ico', sizes=[(16,16),(32,32),(48,48),(256,256)])"
python installer\build.py
