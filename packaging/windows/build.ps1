<#
.SYNOPSIS
  Builds the Windows installer of Impilo Desk and smoke-tests it.
.DESCRIPTION
  1. icons (SVG -> .ico) and PyInstaller one-folder build (packaging/impilo-desk.spec)
  2. smoke test of the frozen app (offscreen, then the native "windows" platform)
  3. Inno Setup (iscc) -> build\impilo-desk-<version>-setup.exe
  4. silent per-user install into a temporary folder, smoke test of the installed app, uninstall
  Signing: when WINDOWS_SIGN_PFX (path to a .pfx) and WINDOWS_SIGN_PASSWORD are set, the app exe
  and the installer are signed with signtool; otherwise that step is skipped with a message.
.EXAMPLE
  pwsh packaging/windows/build.ps1 -Python .venv\Scripts\python.exe
#>
param(
  [string]$Python = "python",
  [int]$SmokeTimeoutSeconds = 180
)
$ErrorActionPreference = "Stop"
Set-StrictMode -Version Latest

$Root = (Resolve-Path (Join-Path $PSScriptRoot "..\..")).Path
Set-Location $Root
$Build = Join-Path $Root "build"
$ShotDir = Join-Path $Build "package-test"
New-Item -ItemType Directory -Force -Path $ShotDir | Out-Null

function Invoke-Checked {
  param([string]$Exe, [string[]]$Arguments)
  & $Exe @Arguments
  if ($LASTEXITCODE -ne 0) { throw "$Exe $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

function Invoke-SmokeTest {
  # The exe is windowed (no console): start it, wait with a timeout, read its output from the
  # log file that launcher.py writes when IMPILO_DESK_CONSOLE_LOG is set.
  param([string]$Exe, [string]$Label, [string]$Platform)
  $png = Join-Path $ShotDir "smoke-$Label.png"
  $log = Join-Path $ShotDir "smoke-$Label.log"
  Remove-Item -Force -ErrorAction SilentlyContinue $png, $log
  $env:IMPILO_DESK_CONSOLE_LOG = $log
  if ($Platform) { $env:QT_QPA_PLATFORM = $Platform } else { Remove-Item Env:QT_QPA_PLATFORM -ErrorAction SilentlyContinue }
  Write-Host "== smoke test ($Label): $Exe"
  $proc = Start-Process -FilePath $Exe -ArgumentList @("--demo", "--smoke-test", "`"$png`"") -PassThru
  $null = $proc.Handle  # keeps the handle so that ExitCode is available after exit
  if (-not $proc.WaitForExit($SmokeTimeoutSeconds * 1000)) {
    $proc.Kill()
    throw "smoke test ($Label) timed out after $SmokeTimeoutSeconds s"
  }
  Remove-Item Env:IMPILO_DESK_CONSOLE_LOG, Env:QT_QPA_PLATFORM -ErrorAction SilentlyContinue
  if (Test-Path $log) { Get-Content $log | Write-Host }
  if ($proc.ExitCode -ne 0) { throw "smoke test ($Label) exited with $($proc.ExitCode)" }
  if (-not (Test-Path $png) -or (Get-Item $png).Length -lt 8KB) { throw "smoke test ($Label): no screenshot or a blank one" }
  Write-Host "smoke test ($Label) passed: $((Get-Item $png).Length) bytes"
}

function Invoke-Sign {
  param([string]$File)
  if (-not $env:WINDOWS_SIGN_PFX) {
    Write-Host "WINDOWS_SIGN_PFX not set: $File is NOT signed (SmartScreen will warn)"
    return
  }
  $signtool = Get-ChildItem "${env:ProgramFiles(x86)}\Windows Kits\10\bin\*\x64\signtool.exe" | Sort-Object FullName | Select-Object -Last 1
  Invoke-Checked $signtool.FullName @("sign", "/f", $env:WINDOWS_SIGN_PFX, "/p", $env:WINDOWS_SIGN_PASSWORD,
    "/fd", "sha256", "/tr", "http://timestamp.digicert.com", "/td", "sha256", $File)
}

$Version = (& $Python -c "import tomllib; print(tomllib.load(open('pyproject.toml', 'rb'))['project']['version'])").Trim()
Write-Host "Impilo Desk $Version"

Write-Host "== tools"
Invoke-Checked $Python @("-m", "pip", "install", "-q", "-e", ".[package]")

Write-Host "== icons"
$env:QT_QPA_PLATFORM = "offscreen"
Invoke-Checked $Python @("packaging/make_icons.py", "build/icons")
Remove-Item Env:QT_QPA_PLATFORM

Write-Host "== PyInstaller"
Invoke-Checked $Python @("-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
  "--distpath", "build/dist", "--workpath", "build/pyinstaller", "packaging/impilo-desk.spec")
$Dist = Join-Path $Build "dist\impilo-desk"
$FrozenExe = Join-Path $Dist "impilo-desk.exe"
$size = (Get-ChildItem -Recurse $Dist | Measure-Object -Property Length -Sum).Sum
Write-Host ("bundle: {0:N0} MB" -f ($size / 1MB))
Invoke-Sign $FrozenExe

Invoke-SmokeTest -Exe $FrozenExe -Label "frozen-offscreen" -Platform "offscreen"
Invoke-SmokeTest -Exe $FrozenExe -Label "frozen-windows" -Platform ""

Write-Host "== Inno Setup"
$iscc = Get-Command iscc.exe -ErrorAction SilentlyContinue
$isccPath = if ($iscc) { $iscc.Source } else { "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe" }
if (-not (Test-Path $isccPath)) {
  Write-Host "Inno Setup not found: installing it with Chocolatey"
  Invoke-Checked "choco" @("install", "innosetup", "-y", "--no-progress")
}
Invoke-Checked $isccPath @("/Q", "/DAppVersion=$Version", "/DSourceDir=$Dist",
  "/DIconFile=$(Join-Path $Build 'icons\impilo-desk.ico')", "/O$Build", "packaging\windows\impilo-desk.iss")
$Installer = Join-Path $Build "impilo-desk-$Version-setup.exe"
Invoke-Sign $Installer
Write-Host ("installer: {0} ({1:N1} MB)" -f $Installer, ((Get-Item $Installer).Length / 1MB))

Write-Host "== install, smoke test, uninstall"
$InstallDir = Join-Path ([System.IO.Path]::GetTempPath()) "impilo-desk-package-test"
$setup = Start-Process -FilePath $Installer -ArgumentList @("/VERYSILENT", "/SUPPRESSMSGBOXES", "/NORESTART",
  "/CURRENTUSER", "/DIR=`"$InstallDir`"", "/LOG=`"$(Join-Path $ShotDir 'install.log')`"") -Wait -PassThru
if ($setup.ExitCode -ne 0) { throw "installer exited with $($setup.ExitCode)" }
Invoke-SmokeTest -Exe (Join-Path $InstallDir "impilo-desk.exe") -Label "installed" -Platform ""
$uninstall = Start-Process -FilePath (Join-Path $InstallDir "unins000.exe") -ArgumentList @("/VERYSILENT", "/SUPPRESSMSGBOXES", "/NORESTART") -Wait -PassThru
if ($uninstall.ExitCode -ne 0) { throw "uninstaller exited with $($uninstall.ExitCode)" }
Write-Host "package test passed: $Installer"
