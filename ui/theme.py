"""Look and feel: Fusion style, a normal and a high-contrast palette, scalable text.

SPEC 5 (accessibility): scalable fonts and high contrast. So:
- no pixel font sizes anywhere: headings are the application font scaled by a factor,
  and the application font is the system's, so the operating system's text-size setting
  (and Qt's high-DPI scaling) carry through;
- colours come from a QPalette (never a stylesheet theme), so Fusion draws focus rings,
  selection and disabled states consistently; the high-contrast palette is black on
  white with a strong blue focus/selection colour (WCAG AAA contrast);
- high contrast follows the operating system's preference (Qt 6.10+
  QAccessibilityHints.contrastPreference) unless the user chose it in the View menu; the
  choice is stored in QSettings because it is needed before a profile is unlocked and
  is not personal data.

The training banner lives here too: every window of a training profile shows it.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QWidget

SETTINGS_ORG = "Haven"
SETTINGS_APP = "Haven"
HIGH_CONTRAST_KEY = "ui/high_contrast"
TRAINING_BANNER_TEXT = "TRAINING — NOT REAL DATA"


def ui_settings() -> QSettings:
    """Per-user window preferences (theme only: never anything about a child)."""
    return QSettings(SETTINGS_ORG, SETTINGS_APP)


def system_prefers_high_contrast() -> bool:
    app = QGuiApplication.instance()
    if not isinstance(app, QGuiApplication):
        return False
    hints = QGuiApplication.styleHints()
    accessibility = getattr(hints, "accessibility", None)
    if accessibility is None:
        return False
    try:
        preference = accessibility().contrastPreference()
    except (AttributeError, RuntimeError):
        return False
    return bool(preference == Qt.ContrastPreference.HighContrast)


def high_contrast_chosen() -> bool:
    value = ui_settings().value(HIGH_CONTRAST_KEY)
    if value is None:
        return system_prefers_high_contrast()
    return str(value).lower() in ("true", "1")


def normal_palette() -> QPalette:
    p = QPalette()
    base = QColor("#ffffff")
    window = QColor("#f3f2f1")
    text = QColor("#0b0c0c")
    p.setColor(QPalette.ColorRole.Window, window)
    p.setColor(QPalette.ColorRole.WindowText, text)
    p.setColor(QPalette.ColorRole.Base, base)
    p.setColor(QPalette.ColorRole.AlternateBase, QColor("#f8f8f8"))
    p.setColor(QPalette.ColorRole.Text, text)
    p.setColor(QPalette.ColorRole.Button, QColor("#e8e8e8"))
    p.setColor(QPalette.ColorRole.ButtonText, text)
    p.setColor(QPalette.ColorRole.ToolTipBase, base)
    p.setColor(QPalette.ColorRole.ToolTipText, text)
    p.setColor(QPalette.ColorRole.PlaceholderText, QColor("#505a5f"))
    p.setColor(QPalette.ColorRole.Highlight, QColor("#1d70b8"))
    p.setColor(QPalette.ColorRole.HighlightedText, base)
    p.setColor(QPalette.ColorRole.Link, QColor("#1d70b8"))
    p.setColor(QPalette.ColorRole.BrightText, QColor("#d4351c"))
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6f777b"))
    return p


def high_contrast_palette() -> QPalette:
    p = QPalette()
    black = QColor("#000000")
    white = QColor("#ffffff")
    focus = QColor("#0000c0")
    for role in (
        QPalette.ColorRole.Window,
        QPalette.ColorRole.Base,
        QPalette.ColorRole.AlternateBase,
        QPalette.ColorRole.Button,
        QPalette.ColorRole.ToolTipBase,
    ):
        p.setColor(role, white)
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
        QPalette.ColorRole.ToolTipText,
        QPalette.ColorRole.PlaceholderText,
        QPalette.ColorRole.Light,
        QPalette.ColorRole.Dark,
        QPalette.ColorRole.Mid,
        QPalette.ColorRole.Shadow,
    ):
        p.setColor(role, black)
    p.setColor(QPalette.ColorRole.Highlight, focus)
    p.setColor(QPalette.ColorRole.HighlightedText, white)
    p.setColor(QPalette.ColorRole.Link, focus)
    p.setColor(QPalette.ColorRole.BrightText, QColor("#a00000"))
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#404040"))
    return p


def apply_theme(app: QApplication, high_contrast: bool | None = None) -> bool:
    """Fusion plus the chosen palette; returns whether high contrast is on."""
    app.setStyle("Fusion")
    on = high_contrast_chosen() if high_contrast is None else high_contrast
    app.setPalette(high_contrast_palette() if on else normal_palette())
    app.setProperty("havenHighContrast", on)
    return on


def set_high_contrast(app: QApplication, on: bool) -> None:
    ui_settings().setValue(HIGH_CONTRAST_KEY, on)
    apply_theme(app, on)


def scaled_font(widget: QWidget, factor: float, *, bold: bool = False) -> QFont:
    """A font relative to the widget's (the system's) font: text scales with the system."""
    font = QFont(widget.font())
    if font.pointSizeF() > 0:
        font.setPointSizeF(font.pointSizeF() * factor)
    font.setBold(bold)
    return font


def heading(text: str, parent: QWidget | None = None, *, level: int = 1) -> QLabel:
    label = QLabel(text, parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setFont(scaled_font(label, {1: 1.5, 2: 1.25}.get(level, 1.1), bold=True))
    label.setAccessibleName(text)
    return label


def training_banner(parent: QWidget | None = None) -> QLabel:
    """The banner every window of a training profile shows (SPEC 5, Standard 10)."""
    banner = QLabel(TRAINING_BANNER_TEXT, parent)
    banner.setObjectName("trainingBanner")
    banner.setTextFormat(Qt.TextFormat.PlainText)
    banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
    banner.setAutoFillBackground(True)
    pal = banner.palette()
    pal.setColor(QPalette.ColorRole.Window, QColor("#ffdd00"))
    pal.setColor(QPalette.ColorRole.WindowText, QColor("#000000"))
    banner.setPalette(pal)
    banner.setFont(scaled_font(banner, 1.2, bold=True))
    banner.setMargin(6)
    banner.setAccessibleName(TRAINING_BANNER_TEXT)
    banner.setAccessibleDescription(
        "This is a training profile with fictional children. Nothing here is real and "
        "nothing can be sent."
    )
    return banner


def error_palette(widget: QWidget) -> None:
    """Error text colour that keeps at least 4.5:1 contrast in both palettes."""
    pal = widget.palette()
    pal.setColor(QPalette.ColorRole.WindowText, QColor("#a00000"))
    widget.setPalette(pal)
