"""Server actions on a running compute agent (stop, start, reboot, pause,
suspend, rebuild, console output, snapshot): the RPC endpoints the manager
inherits. Kept beside the manager so it does not grow with every action."""


class ServerActionsMixin:
    """Mixed into ComputeManager; uses self.driver, self.conductor,
    self.locks and self.conf."""
