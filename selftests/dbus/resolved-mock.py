#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A stand-in for systemd-resolved on a private D-Bus: owns org.freedesktop.resolve1,
records every SetLinkDNS / SetLinkDomains / RevertLink call as one line of CALLS,
and touches READY once the name is owned. A mock, not resolved: the test guest and
CI have no systemd (selftests/unit/test_burrowd_resolved.c says why).

Usage: DBUS_SYSTEM_BUS_ADDRESS=... resolved-mock.py CALLS READY
Link 99 is refused with org.freedesktop.resolve1.NoSuchLink, as resolved does for
a link it does not know."""
import socket
import sys

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

NAME = "org.freedesktop.resolve1"
IFACE = "org.freedesktop.resolve1.Manager"


class NoSuchLink(dbus.DBusException):
    _dbus_error_name = "org.freedesktop.resolve1.NoSuchLink"


class Manager(dbus.service.Object):
    def __init__(self, bus, calls):
        super().__init__(bus, "/org/freedesktop/resolve1")
        self.calls = calls

    def record(self, line):
        self.calls.write(line + "\n")
        self.calls.flush()

    @staticmethod
    def check(ifindex):
        if int(ifindex) == 99:
            raise NoSuchLink("Link 99 not known")

    @dbus.service.method(IFACE, in_signature="ia(iay)", out_signature="")
    def SetLinkDNS(self, ifindex, addresses):
        self.check(ifindex)
        text = []
        for family, raw in addresses:
            text.append(socket.inet_ntop(int(family), bytes(raw)))
        self.record("SetLinkDNS %d %s" % (ifindex, " ".join(text)))

    @dbus.service.method(IFACE, in_signature="ia(sb)", out_signature="")
    def SetLinkDomains(self, ifindex, domains):
        self.check(ifindex)
        text = [("~" if routing else "") + str(name) for name, routing in domains]
        self.record("SetLinkDomains %d %s" % (ifindex, " ".join(text)))

    @dbus.service.method(IFACE, in_signature="i", out_signature="")
    def RevertLink(self, ifindex):
        self.check(ifindex)
        self.record("RevertLink %d" % ifindex)


def main():
    DBusGMainLoop(set_as_default=True)
    bus = dbus.SystemBus()
    calls = open(sys.argv[1], "a")
    name = dbus.service.BusName(NAME, bus)
    manager = Manager(bus, calls)
    open(sys.argv[2], "w").close()
    GLib.MainLoop().run()
    del name, manager


if __name__ == "__main__":
    main()
