"""The check-in job as a pure, Qt-free flow: card → CardRead → verdict → identity → insurance + HIS →
check-in → ticket. The UI and the demo drive it through :class:`kiosk.flow.machine.KioskFlow`."""
