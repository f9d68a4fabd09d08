"""The kiosk's screens (PySide6). No business logic here: windows render ``FlowView``s from
:mod:`kiosk.flow.machine` and send events back through :class:`ui.bridge.FlowBridge`."""
