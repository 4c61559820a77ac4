#!/usr/bin/env python3
"""Synthetic sign-in logs for the seed detection (queries/suspicious-noninteractive-signins.kql).

    python3 bench/gen_signins.py --users N --current-rows N --history-rows N
        [--now ISO] [--seed N] [--format jsonl|json] [--out DIR]

Writes, in DIR, the two tables the seed reads, with every column of schemas/<Table>.json
(in that order), in the layout `kql run --data DIR` loads:

  AADNonInteractiveUserSignInLogs.<fmt>  --current-rows rows in the 50 minutes before --now,
      then a tenth as many older rows (1h00m30s to 20 days before; `ago(1h)` must drop them);
  EntraIdSignInEvents.<fmt>              --history-rows rows, most 1h05m to 28.9 days before
      --now, 3% just outside the seed's window (in the last hour, or 29-30 days before);

and planted.json: the sessions planted to exercise each branch of the seed, with the
severity the seed should give them (null: the seed must not report them).

Normal traffic is built so that the seed stays silent on it: a user's usual IPs each have at
least three successful sign-ins in the history window, so the tool-like user agents of normal
traffic (okhttp in Android apps, PowerShell for admins) and the sessions where a browser
changes mid-session come out Low. Python 3 standard library only; the same arguments give
byte-identical files.
"""
import argparse
import datetime as dt
import json
import os
import random
import uuid

AAD = "AADNonInteractiveUserSignInLogs"
ENTRA = "EntraIdSignInEvents"
HOUR = 3600
DAY = 86400
TENANT = "4f1c2a9e-7b3d-4e05-8c6a-1d2e3f405162"

GIVEN = ["ada", "ben", "carla", "dario", "elif", "farid", "greta", "hugo", "ines", "jakob",
         "kira", "luca", "maren", "nils", "olga", "pablo", "quinn", "rosa", "sven", "tara",
         "umar", "vera", "wim", "xenia", "yusuf", "zoe", "anouk", "bruno", "chiara", "dmitri",
         "emma", "felix", "gioia", "henrik", "irina", "jonas", "lena", "marco", "nadia", "oskar"]
FAMILY = ["amrein", "bachmann", "costa", "dubois", "eriksen", "fontana", "graf", "horvat",
          "imhof", "jansen", "kovac", "lang", "moser", "nowak", "oberli", "petrov", "quaresma",
          "rossi", "steiner", "tanaka", "ulrich", "vogel", "wenger", "yilmaz", "zanetti",
          "achermann", "brunetti", "castro", "dahl", "egli"]

# (display name, app id, resource)
APPS = [
    ("Microsoft Teams", "1fec8e78-bce4-4aaf-ab1b-5451cc387264", "Microsoft Teams Services"),
    ("Microsoft Office", "d3590ed6-52b3-4102-aeff-aad2292ab01c", "Office 365 Exchange Online"),
    ("OneDrive SyncEngine", "ab9b8c07-8f02-4f72-87fa-80105867a763", "Office 365 SharePoint Online"),
    ("Outlook Mobile", "27922004-5251-4030-b22d-91ecd9a37ea4", "Office 365 Exchange Online"),
    ("Microsoft Authentication Broker", "29d9ed98-a469-4536-ade2-f981bc1d605e", "Microsoft Graph"),
    ("Windows Sign In", "38aa3b87-a06d-4817-b275-7a316988d93b", "Windows Azure Active Directory"),
    ("Microsoft Edge", "ecd6b820-32c2-49b6-98a6-444530e5a77a", "Microsoft Graph"),
    ("Azure Portal", "c44b4083-3bb0-49c1-b47d-974e53cbdf3c", "Windows Azure Service Management API"),
    ("Microsoft Azure CLI", "04b07795-8ddb-461a-bbee-02f9e1bf7b46", "Windows Azure Service Management API"),
]
# (country, state, city, latitude, longitude)
PLACES = [("CH", "Zurich", "Zurich", "47.3769", "8.5417"), ("CH", "Bern", "Bern", "46.9480", "7.4474"),
          ("DE", "Bavaria", "Munich", "48.1374", "11.5755"), ("AT", "Vienna", "Vienna", "48.2082", "16.3738"),
          ("NL", "North Holland", "Amsterdam", "52.3676", "4.9041"), ("IT", "Lombardy", "Milan", "45.4642", "9.1900")]
ABROAD = [("SG", "Singapore", "Singapore", "1.3521", "103.8198"), ("BR", "Sao Paulo", "Sao Paulo", "-23.5505", "-46.6333"),
          ("US", "Virginia", "Ashburn", "39.0438", "-77.4874"), ("KZ", "Almaty", "Almaty", "43.2220", "76.8512"),
          ("ZA", "Gauteng", "Johannesburg", "-26.2041", "28.0473"), ("IN", "Maharashtra", "Mumbai", "19.0760", "72.8777")]
# Failure codes seen on non-interactive sign-ins, with their description text.
FAILURES = [
    ("50126", "Error validating credentials due to invalid username or password."),
    ("50140", "This error occurred due to 'Keep me signed in' interrupt when the user was signing in."),
    ("70044", "The session has expired or is invalid due to sign-in frequency checks by conditional access."),
    ("700082", "The refresh token has expired due to inactivity."),
    ("50173", "The provided grant has expired due to it being revoked, a fresh auth token is needed."),
    ("53003", "Access has been blocked by Conditional Access policies."),
    ("50076", "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access the resource."),
    ("50097", "Device authentication is required."),
]
# Tool-like user agents (each contains one of the seed's has_any terms).
TOOLS = ["python-requests/2.{a}.0", "curl/8.{b}.1", "Go-http-client/2.0", "axios/1.{b}.{a}",
         "Wget/1.21.{b}", "Java/17.0.{b}", "PowerShell/7.{b}.{a}", "okhttp/4.{a}.0"]


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"


class World:
    """The users and the random stream; every choice goes through self.rng, in a fixed order."""

    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.now = args.now
        self.taken_ips = set()
        self.corp_ips = [self.fresh_ip() for _ in range(3)]
        self.users = [self.make_user(i) for i in range(args.users)]

    def guid(self):
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def fresh_ip(self):
        rng = self.rng
        while True:
            ip = "%d.%d.%d.%d" % (rng.choice((5, 31, 46, 62, 80, 84, 89, 92, 109, 145, 151, 176, 188, 194, 212, 217)),
                                  rng.randrange(256), rng.randrange(256), rng.randrange(1, 255))
            if ip not in self.taken_ips:
                self.taken_ips.add(ip)
                return ip

    def make_user(self, i):
        rng = self.rng
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        device = rng.choices(("windows", "mac", "android", "ios"), (55, 10, 20, 15))[0]
        ips = [self.fresh_ip() for _ in range(rng.randint(1, 2))]
        if rng.random() < 0.7:
            ips.append(rng.choice(self.corp_ips))
        return {
            "upn": "%s.%s%d@contoso.com" % (given, family, i),
            "name": "%s %s" % (given.title(), family.title()),
            "oid": self.guid(), "device": device, "device_id": self.guid(),
            "host": "%s-%s%03d" % ({"windows": "LT", "mac": "MB", "android": "AN", "ios": "IP"}[device],
                                   family[:4].upper(), i % 1000),
            "ips": ips, "place": rng.choice(PLACES),
            "apps": rng.sample(APPS[:7], rng.randint(2, 4)),
            "agents": self.agents_for(device),
            "admin": rng.random() < 0.04,
        }

    def version(self):
        rng = self.rng
        return "%d.0.%d.%d" % (rng.randint(118, 126), rng.randint(5900, 6500), rng.randint(20, 200))

    def browser(self, os_part=None):
        rng = self.rng
        pick = rng.randrange(3)
        os_part = os_part or rng.choice(("Windows NT 10.0; Win64; x64", "Macintosh; Intel Mac OS X 10_15_7"))
        if pick == 0:
            return "Mozilla/5.0 (%s) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/%s Safari/537.36" % (os_part, self.version())
        if pick == 1:
            v = self.version()
            return ("Mozilla/5.0 (%s) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/%s Safari/537.36 Edg/%s"
                    % (os_part, v, v))
        v = rng.randint(118, 128)
        return "Mozilla/5.0 (%s; rv:%d.0) Gecko/20100101 Firefox/%d.0" % (os_part, v, v)

    def agents_for(self, device):
        """The user agents one user's devices send; legitimate, none tool-like."""
        rng = self.rng
        msal = rng.choice(("MSAL.Desktop/4.%d.0" % rng.randint(50, 61), "MSAL.NET/4.%d.1" % rng.randint(50, 61)))
        if device == "windows":
            return [msal, "Windows-AzureAD-Authentication-Provider/1.0", self.browser("Windows NT 10.0; Win64; x64"),
                    "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.%d; Pro)" % rng.randint(17000, 17900)]
        if device == "mac":
            return [msal, self.browser("Macintosh; Intel Mac OS X 10_15_7"),
                    "Teams/%d CFNetwork/1496.0.7 Darwin/23.5.0" % rng.randint(1000, 9999)]
        if device == "android":
            return ["Dalvik/2.1.0 (Linux; U; Android %d; %s Build/UP1A.%d.005)"
                    % (rng.randint(12, 14), rng.choice(("Pixel 8", "SM-S918B", "SM-A546B")), rng.randint(231005, 240105)),
                    "MSAL.Android/5.%d.0" % rng.randint(1, 4)]
        return ["Outlook-iOS/%d CFNetwork/1494.0.7 Darwin/23.4.0" % rng.randint(700, 799),
                "Microsoft Authenticator/6.8.%d (iPhone; iOS 17.4)" % rng.randint(1, 9),
                "MSAL.iOS/1.%d.0" % rng.randint(2, 5)]

    def tool(self):
        rng = self.rng
        return rng.choice(TOOLS).format(a=rng.randint(28, 32), b=rng.randint(1, 6))

    # ---------------- times ----------------

    def current_time(self):
        return self.now - dt.timedelta(seconds=self.rng.uniform(1, 50 * 60))

    def history_time(self):
        return self.now - dt.timedelta(seconds=self.rng.uniform(HOUR + 300, 28.9 * DAY))

    # ---------------- rows ----------------

    def aad_row(self, u, t, ip, agent, corr, app, result=("0", ""), place=None, upn=None):
        rng = self.rng
        country, state, city, lat, lon = place or u["place"]
        browser_ua = agent.startswith("Mozilla")
        ok = result[0] == "0"
        status = {"errorCode": int(result[0])}
        if not ok:
            status["failureReason"] = result[1]
        duration = rng.randint(0, 900)
        os_name = {"windows": "Windows10", "mac": "MacOs", "android": "Android", "ios": "Ios"}[u["device"]]
        device = {"deviceId": u["device_id"] if place is None else "", "operatingSystem": os_name,
                  "browser": agent.split("/")[0][:40] if agent else ""}
        location = {"city": city, "state": state, "countryOrRegion": country}
        return {
            "AADTenantId": TENANT, "Agent": "", "AlternateSignInName": "",
            "AppDisplayName": app[0], "AppId": app[1], "AppliedEventListeners": [],
            "AppOwnerTenantId": "f8cdef31-a31e-4b4a-93e4-5f571e91255a",
            "AuthenticationContextClassReferences": "[]",
            "AuthenticationDetails": "[]", "AuthenticationMethodsUsed": "",
            "AuthenticationProcessingDetails": "[]",
            "AuthenticationProtocol": "none", "AuthenticationRequirement": "singleFactorAuthentication",
            "AuthenticationRequirementPolicies": "[]", "AuthenticatorAppLocation": "",
            "AutonomousSystemNumber": str(rng.choice((3303, 6830, 8075, 13030, 15547, 16509))),
            "_BilledSize": 0.0, "Category": "NonInteractiveUserSignInLogs",
            "ClientAppUsed": "Browser" if browser_ua else "Mobile Apps and Desktop clients",
            "ClientCredentialType": "none", "ClientSessionId": "", "ConditionalAccessAudiences": "[]",
            "ConditionalAccessPolicies": "[]",
            "ConditionalAccessStatus": "success" if ok else rng.choice(("notApplied", "failure")),
            "CorrelationId": corr, "CreatedDateTime": iso(t - dt.timedelta(milliseconds=duration)),
            "CrossTenantAccessType": "none", "DeviceDetail": json.dumps(device, separators=(",", ":")),
            "DurationMs": duration, "FederatedCredentialId": "", "GlobalSecureAccessIpAddress": "",
            "HomeTenantId": TENANT, "HomeTenantName": "", "Id": self.guid(), "Identity": u["name"],
            "IncomingTokenType": rng.choice(("none", "refreshToken", "primaryRefreshToken")),
            "IPAddress": ip, "_IsBillable": "True", "IsInteractive": False, "IsRisky": False,
            "IsTenantRestricted": False, "IsThroughGlobalSecureAccess": False, "Level": "4",
            "Location": country, "LocationDetails": json.dumps(location, separators=(",", ":")),
            "MfaDetail": "{}", "NetworkLocationDetails": "[]", "OperationName": "Sign-in activity",
            "OperationVersion": "1.0", "OriginalRequestId": "", "OriginalTransferMethod": "none",
            "ProcessingTimeInMs": str(rng.randint(20, 400)), "ResourceDisplayName": app[2],
            "ResourceGroup": "", "ResourceIdentity": "00000003-0000-0000-c000-000000000000",
            "ResourceOwnerTenantId": "f8cdef31-a31e-4b4a-93e4-5f571e91255a", "ResourceServicePrincipalId": "",
            "ResourceTenantId": TENANT, "ResultDescription": result[1],
            "ResultSignature": "SUCCESS" if ok else "FAILURE", "ResultType": result[0],
            "RiskDetail": "none", "RiskEventTypes": "[]", "RiskEventTypes_V2": "[]",
            "RiskLevelAggregated": "none", "RiskLevelDuringSignIn": "none", "RiskState": "none",
            "ServicePrincipalId": "", "SessionId": "", "SessionLifetimePolicies": "[]",
            "SignInEventTypes": '["nonInteractiveUser"]', "SignInIdentifierType": "",
            "SourceSystem": "Azure AD",
            "Status": json.dumps(status, separators=(",", ":")), "TenantId": TENANT,
            "TimeGenerated": iso(t), "TokenIssuerName": "", "TokenIssuerType": "AzureAD",
            "TokenProtectionStatusDetails": "{}", "Type": AAD,
            "UniqueTokenIdentifier": uuid.UUID(int=rng.getrandbits(128)).hex[:22],
            "UserAgent": agent, "UserDisplayName": u["name"], "UserId": u["oid"],
            "UserPrincipalName": upn or u["upn"], "UserType": "Member",
        }

    def entra_row(self, u, t, ip, agent, app, error=0, place=None):
        rng = self.rng
        country, state, city, lat, lon = place or u["place"]
        interactive = rng.random() < 0.3
        return {
            "Timestamp": iso(t), "Application": app[0], "ApplicationId": app[1],
            "LogonType": '["interactiveUser"]' if interactive else '["nonInteractiveUser"]',
            "CorrelationId": self.guid(), "SessionId": self.guid(),
            "AccountDisplayName": u["name"], "AccountObjectId": u["oid"], "AccountUpn": u["upn"],
            "IsExternalUser": 0, "IsGuestUser": False, "AlternateSignInName": "",
            "LastPasswordChangeTimestamp": "2026-01-%02dT08:00:00.000000Z" % (len(u["name"]) % 28 + 1),
            "ResourceDisplayName": app[2], "ResourceId": "00000003-0000-0000-c000-000000000000",
            "ResourceTenantId": TENANT, "DeviceName": u["host"] if place is None else "",
            "EntraIdDeviceId": u["device_id"] if place is None else "",
            "OSPlatform": {"windows": "Windows10", "mac": "macOS", "android": "Android", "ios": "iOS"}[u["device"]],
            "DeviceTrustType": "Azure AD joined" if place is None else "",
            "IsManaged": 1 if place is None else 0, "IsCompliant": 1 if place is None else 0,
            "AuthenticationProcessingDetails": "[]",
            "AuthenticationRequirement": "multiFactorAuthentication" if interactive else "singleFactorAuthentication",
            "TokenIssuerType": 0, "RiskLevelAggregated": 0, "RiskDetails": 0, "RiskState": 0,
            "UserAgent": agent,
            "ClientAppUsed": "Browser" if agent.startswith("Mozilla") else "Mobile Apps and Desktop clients",
            "Browser": agent.split("/")[0][:30], "ConditionalAccessPolicies": "[]",
            "ConditionalAccessStatus": 0 if error == 0 else 1, "IPAddress": ip,
            "Country": country, "State": state, "City": city, "Latitude": lat, "Longitude": lon,
            "NetworkLocationDetails": "[]", "RequestId": "", "ReportId": self.guid(),
            "RiskLevelDuringSignIn": 0.0, "ErrorCode": error,
        }


# Planted sessions: (kind, severity the seed should give, why).
PLANTS = [
    ("tool-new-ip", "High", "tool user agent from an IP the user never signed in from"),
    ("tool-ip-failed-only", "High", "tool user agent; the IP is in the history only with ErrorCode != 0"),
    ("tool-usual-and-new-ip", "High", "tool user agent from two IPs, one usual (NewIPCount 1)"),
    ("browser-two-agents-new-ip", "High", "two browsers in one session from a new IP"),
    ("tool-ip-seen-last-hour-only", "High", "the IP's only history row is in the last hour (outside < ago(1h))"),
    ("tool-ip-seen-30d-ago-only", "High", "the IP's only history row is 29-30 days old (outside >= ago(29d))"),
    ("tool-capitalised-python", "High", "'Python/3.12 aiohttp' (has is case-insensitive) from a new IP"),
    ("upn-case-differs", "High", "tool user agent from a usual IP, but the AAD UPN is capitalised: "
     "the join and `in` compare case-sensitively, so the IP counts as new"),
    ("browser-two-agents-rare-ip", "Medium", "two browsers from an IP with 2 successful sign-ins in the history"),
    ("tool-rare-ip", "Medium", "tool user agent from an IP with 1-2 successful sign-ins (and some failures)"),
    ("tool-usual-ip", None, "tool user agent from a usual IP (Low)"),
    ("browser-two-agents-usual-ip", None, "two browsers from a usual IP (Low)"),
    ("browser-versions-only", None, "two browser agents differing only in a.b.c.d versions: one after "
     "normalisation, not suspicious (new IP)"),
    ("windowspowershell", None, "'WindowsPowerShell/5.1' is not the term powershell: one browser agent (new IP)"),
    ("msal-before-tool", None, "'MSAL.Python/1.27.0 python-requests/2.31.0': case() picks MSAL-Client (new IP)"),
    ("tool-failed", None, "tool user agent from a new IP, every sign-in failed (ResultType != 0)"),
    ("tool-no-correlation", None, "tool user agent from a new IP with an empty CorrelationId"),
    ("tool-no-agent-row", None, "sign-ins with an empty UserAgent from a new IP"),
    ("tool-stale", None, "tool user agent from a new IP, 1h01m-3h old (outside ago(1h))"),
]


def generate(w):
    a, rng, now = w.args, w.rng, w.now
    users = w.users
    current, stale, history = [], [], []

    # Every usual IP gets three successful sign-ins in the window, so that normal traffic from
    # it is never "rare" (the seed's Medium), whatever the size.
    for u in users:
        for ip in u["ips"]:
            for _ in range(3):
                history.append(w.entra_row(u, w.history_time(), ip, rng.choice(u["agents"]), rng.choice(u["apps"])))

    # Enough of each kind to be seen, few enough that the seed's `take 500` keeps every
    # suspicious session at sizes S and M.
    per_kind = max(1, min(12, a.users // 100))
    capitalised = users[:per_kind]
    others = users[per_kind:] or users
    planted = []
    for kind, severity, why in PLANTS:
        for i in range(per_kind):
            u = capitalised[i % len(capitalised)] if kind == "upn-case-differs" else rng.choice(others)
            corr, app, ip, usual = w.guid(), rng.choice(u["apps"]), w.fresh_ip(), u["ips"][0]
            away = rng.choice(ABROAD)
            rows = []

            def add(agent, at_ip=ip, place=away, result=("0", ""), c=corr, t=None, upn=None):
                rows.append(w.aad_row(u, t or w.current_time(), at_ip, agent, c, app, result, place, upn))

            if kind == "tool-new-ip":
                agent = w.tool()
                for _ in range(rng.randint(1, 4)):
                    add(agent)
            elif kind == "tool-ip-failed-only":
                agent = w.tool()
                for _ in range(rng.randint(2, 6)):
                    history.append(w.entra_row(u, w.history_time(), ip, agent, app, int(FAILURES[0][0]), away))
                add(agent)
            elif kind == "tool-usual-and-new-ip":
                agent = w.tool()
                add(agent, at_ip=usual, place=None)
                add(agent)
            elif kind == "browser-two-agents-new-ip":
                add(w.browser())
                add(w.browser("X11; Linux x86_64"))
            elif kind == "tool-ip-seen-last-hour-only":
                agent = w.tool()
                history.append(w.entra_row(u, now - dt.timedelta(seconds=rng.uniform(60, 3300)), ip, agent, app, 0, away))
                add(agent)
            elif kind == "tool-ip-seen-30d-ago-only":
                agent = w.tool()
                history.append(w.entra_row(u, now - dt.timedelta(days=rng.uniform(29.05, 30)), ip, agent, app, 0, away))
                add(agent)
            elif kind == "tool-capitalised-python":
                add("Python/3.12 aiohttp/3.9.%d" % rng.randint(0, 5))
            elif kind == "upn-case-differs":
                add(w.tool(), at_ip=usual, place=None, upn=u["upn"][0].upper() + u["upn"][1:])
            elif kind == "browser-two-agents-rare-ip":
                for _ in range(2):
                    history.append(w.entra_row(u, w.history_time(), ip, w.browser(), app))
                add(w.browser("Windows NT 10.0; Win64; x64"), place=None)
                add(w.browser("X11; Linux x86_64"), place=None)
            elif kind == "tool-rare-ip":
                agent = w.tool()
                for _ in range(rng.randint(1, 2)):
                    history.append(w.entra_row(u, w.history_time(), ip, agent, app))
                history.append(w.entra_row(u, w.history_time(), ip, agent, app, int(FAILURES[3][0])))
                for _ in range(rng.randint(1, 3)):
                    add(agent, place=None)
            elif kind == "tool-usual-ip":
                agent = w.tool()
                for _ in range(rng.randint(1, 3)):
                    add(agent, at_ip=usual, place=None)
            elif kind == "browser-two-agents-usual-ip":
                add(w.browser(), at_ip=usual, place=None)
                add(w.browser("X11; Linux x86_64"), at_ip=usual, place=None)
            elif kind == "browser-versions-only":
                os_part = "Windows NT 10.0; Win64; x64"
                add("Mozilla/5.0 (%s) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/%s Safari/537.36" % (os_part, w.version()))
                add("Mozilla/5.0 (%s) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/%s Safari/537.36" % (os_part, w.version()))
            elif kind == "windowspowershell":
                add("Mozilla/5.0 (Windows NT; Windows NT 10.0; de-CH) WindowsPowerShell/5.1.22621.%d" % rng.randint(1000, 4000))
            elif kind == "msal-before-tool":
                add("MSAL.Python/1.27.0 python-requests/2.31.0")
            elif kind == "tool-failed":
                agent = w.tool()
                for _ in range(rng.randint(1, 4)):
                    add(agent, result=rng.choice(FAILURES))
            elif kind == "tool-no-correlation":
                add(w.tool(), c="")
            elif kind == "tool-no-agent-row":
                for _ in range(rng.randint(1, 3)):
                    add("")
            elif kind == "tool-stale":
                add(w.tool(), t=now - dt.timedelta(seconds=rng.uniform(HOUR + 60, 3 * HOUR)))
            (stale if kind == "tool-stale" else current).extend(rows)
            planted.append({"kind": kind, "severity": severity,
                            "UserPrincipalName": rows[0]["UserPrincipalName"], "CorrelationId": corr,
                            "rows": len(rows), "why": why})

    # Normal sessions in the last hour: one device, mostly a usual IP, a few failures.
    while len(current) < a.current_rows:
        u = rng.choice(users)
        agent = rng.choice(u["agents"])
        roll = rng.random()
        if u["device"] == "android" and roll < 0.05:
            agent = "okhttp/4.%d.0" % rng.randint(9, 12)  # Android apps built on okhttp
        elif u["admin"] and roll < 0.15:
            agent = "Mozilla/5.0 (Windows NT 10.0; Microsoft Windows 10.0.22631; en-US) PowerShell/7.4.%d" % rng.randint(0, 6)
        switch = agent.startswith("Mozilla") and rng.random() < 0.03  # a second browser mid-session
        ip = rng.choice(u["ips"])
        mobile = rng.random() < 0.03 and not switch and "owerShell" not in agent and not agent.startswith("okhttp")
        if mobile:  # a phone on a carrier network: a new IP, but an app agent
            ip = w.fresh_ip()
        corr = w.guid() if rng.random() > 0.01 else ""
        app = rng.choice(u["apps"])
        n = min(rng.choice((1, 1, 1, 2, 2, 3, 4, 5, 8)), a.current_rows - len(current))
        for j in range(n):
            failed = rng.random() < 0.05
            this_agent = w.browser() if switch and j == n - 1 and n > 1 else agent
            current.append(w.aad_row(u, w.current_time(), ip, this_agent, corr,
                                     app if rng.random() > 0.25 else rng.choice(u["apps"]),
                                     rng.choice(FAILURES) if failed else ("0", "")))

    # Older rows in the AAD table, some just past the hour.
    for i in range(a.current_rows // 10):
        u = rng.choice(users)
        back = rng.uniform(HOUR + 30, HOUR + 900) if i % 10 == 0 else rng.uniform(HOUR + 900, 20 * DAY)
        agent = w.tool() if rng.random() < 0.05 else rng.choice(u["agents"])
        ip = rng.choice(u["ips"]) if rng.random() < 0.8 else w.fresh_ip()
        stale.append(w.aad_row(u, now - dt.timedelta(seconds=back), ip, agent, w.guid(), rng.choice(u["apps"])))

    # History: mostly usual IPs, some travel; 3% just outside the window on either side.
    edge = int(a.history_rows * 0.03)
    while len(history) < a.history_rows - edge:
        u = rng.choice(users)
        roll = rng.random()
        place = None
        if roll < 0.94:
            ip = rng.choice(u["ips"])
        else:
            ip, place = w.fresh_ip(), rng.choice(ABROAD)
        error = 0 if rng.random() > 0.06 else int(rng.choice(FAILURES)[0])
        history.append(w.entra_row(u, w.history_time(), ip, rng.choice(u["agents"]), rng.choice(u["apps"]), error, place))
    for i in range(edge):
        u = rng.choice(users)
        back = rng.uniform(29 * DAY + 60, 30 * DAY) if i % 3 == 0 else rng.uniform(30, HOUR - 30)
        ip = rng.choice(u["ips"]) if rng.random() < 0.5 else w.fresh_ip()
        history.append(w.entra_row(u, now - dt.timedelta(seconds=back), ip, rng.choice(u["agents"]), rng.choice(u["apps"])))

    rows = current + stale
    rng.shuffle(rows)
    rng.shuffle(history)
    return rows, history, planted


def columns(table):
    """The schema's columns, each with the value a row the generator does not fill gets
    ("" for strings, null otherwise): schemas grow columns the generator knows nothing of."""
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "schemas", table + ".json")) as f:
        return [(c["name"], "" if c["type"] == "string" else None) for c in json.load(f)["columns"]]


def write(path, names, rows, fmt):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        if fmt == "json":
            f.write("[\n")
        for i, row in enumerate(rows):
            line = json.dumps({k: row.get(k, empty) for k, empty in names}, separators=(",", ":"))
            if fmt == "json":
                line += ",\n" if i + 1 < len(rows) else "\n"
            else:
                line += "\n"
            f.write(line)
        if fmt == "json":
            f.write("]\n")


def parse_now(text):
    t = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if t.tzinfo is not None:
        t = t.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return t


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--users", type=int, default=100)
    p.add_argument("--current-rows", type=int, default=1000)
    p.add_argument("--history-rows", type=int, default=10000)
    p.add_argument("--now", default="2026-05-18T12:00:00Z", help="reference time (ISO 8601)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--format", choices=("jsonl", "json"), default="jsonl")
    p.add_argument("--out", default=".")
    a = p.parse_args()
    if a.users < 1:
        p.error("--users must be at least 1")
    a.now = parse_now(a.now)
    os.makedirs(a.out, exist_ok=True)
    aad, entra, planted = generate(World(a))
    for table, rows in ((AAD, aad), (ENTRA, entra)):
        write(os.path.join(a.out, "%s.%s" % (table, a.format)), columns(table), rows, a.format)
    with open(os.path.join(a.out, "planted.json"), "w", encoding="utf-8") as f:
        json.dump({"now": iso(a.now), "seed": a.seed, "planted": planted}, f, indent=1)
        f.write("\n")
    print("%s: %d rows, %s: %d rows, %d planted sessions -> %s"
          % (AAD, len(aad), ENTRA, len(entra), len(planted), a.out))


if __name__ == "__main__":
    main()
