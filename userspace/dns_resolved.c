// SPDX-License-Identifier: GPL-2.0
/* MagicDNS's systemd-resolved registration (dns_resolved.h). */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <systemd/sd-bus.h>

#include "dns_resolved.h"

#define RESOLVE1 "org.freedesktop.resolve1"
#define RESOLVE1_PATH "/org/freedesktop/resolve1"
#define RESOLVE1_MANAGER "org.freedesktop.resolve1.Manager"

static int bus_open(sd_bus **bus, char *why, size_t why_size)
{
	int ret = sd_bus_open_system(bus);

	if (ret < 0) {
		snprintf(why, why_size, "system bus: %s", strerror(-ret));
		return ret;
	}
	sd_bus_set_method_call_timeout(*bus, (uint64_t)BURROW_RESOLVED_TIMEOUT_MS * 1000);
	return 0;
}

static int call(sd_bus *bus, sd_bus_message *m, const char *method, char *why, size_t why_size)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	int ret = sd_bus_call(bus, m, 0, &error, &reply);

	if (ret < 0)
		snprintf(why, why_size, "resolved %s: %s%s%s", method,
			 error.name ? error.name : strerror(-ret), error.message ? ": " : "",
			 error.message ? error.message : "");
	sd_bus_error_free(&error);
	sd_bus_message_unref(reply);
	return ret < 0 ? ret : 0;
}

static int set_link_dns(sd_bus *bus, const struct burrow_resolved_link *link, char *why,
			size_t why_size)
{
	sd_bus_message *m = NULL;
	int ret;

	ret = sd_bus_message_new_method_call(bus, &m, RESOLVE1, RESOLVE1_PATH, RESOLVE1_MANAGER,
					     "SetLinkDNS");
	if (ret >= 0)
		ret = sd_bus_message_append(m, "i", link->ifindex);
	if (ret >= 0)
		ret = sd_bus_message_open_container(m, 'a', "(iay)");
	for (size_t i = 0; ret >= 0 && i < link->n_servers; i++) {
		const struct coord_dns_server *s = &link->servers[i];

		ret = sd_bus_message_open_container(m, 'r', "iay");
		if (ret >= 0)
			ret = sd_bus_message_append(m, "i", s->family);
		if (ret >= 0)
			ret = sd_bus_message_append_array(m, 'y', s->addr,
							  s->family == AF_INET ? 4 : 16);
		if (ret >= 0)
			ret = sd_bus_message_close_container(m);
	}
	if (ret >= 0)
		ret = sd_bus_message_close_container(m);
	if (ret < 0)
		snprintf(why, why_size, "SetLinkDNS: %s", strerror(-ret));
	else
		ret = call(bus, m, "SetLinkDNS", why, why_size);
	sd_bus_message_unref(m);
	return ret;
}

static int set_link_domains(sd_bus *bus, const struct burrow_resolved_link *link, char *why,
			    size_t why_size)
{
	sd_bus_message *m = NULL;
	int ret;

	ret = sd_bus_message_new_method_call(bus, &m, RESOLVE1, RESOLVE1_PATH, RESOLVE1_MANAGER,
					     "SetLinkDomains");
	if (ret >= 0)
		ret = sd_bus_message_append(m, "i", link->ifindex);
	if (ret >= 0)
		ret = sd_bus_message_open_container(m, 'a', "(sb)");
	for (size_t i = 0; ret >= 0 && i < link->n_domains; i++)
		ret = sd_bus_message_append(m, "(sb)", link->domains[i], 1);
	if (ret >= 0)
		ret = sd_bus_message_close_container(m);
	if (ret < 0)
		snprintf(why, why_size, "SetLinkDomains: %s", strerror(-ret));
	else
		ret = call(bus, m, "SetLinkDomains", why, why_size);
	sd_bus_message_unref(m);
	return ret;
}

int burrow_resolved_register(const struct burrow_resolved_link *link, char *why, size_t why_size)
{
	sd_bus *bus = NULL;
	int ret = bus_open(&bus, why, why_size);

	if (!ret)
		ret = set_link_dns(bus, link, why, why_size);
	if (!ret)
		ret = set_link_domains(bus, link, why, why_size);
	sd_bus_flush_close_unref(bus);
	return ret;
}

int burrow_resolved_revert(int ifindex, char *why, size_t why_size)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus *bus = NULL;
	int ret = bus_open(&bus, why, why_size);

	if (!ret) {
		ret = sd_bus_call_method(bus, RESOLVE1, RESOLVE1_PATH, RESOLVE1_MANAGER,
					 "RevertLink", &error, NULL, "i", ifindex);
		if (ret < 0)
			snprintf(why, why_size, "resolved RevertLink: %s%s%s",
				 error.name ? error.name : strerror(-ret),
				 error.message ? ": " : "", error.message ? error.message : "");
		ret = ret < 0 ? ret : 0;
	}
	sd_bus_error_free(&error);
	sd_bus_flush_close_unref(bus);
	return ret;
}
