"""The Logistics part of the contract check (warehouses, docks, inventory), against
spec/logistics-api.json (vendored), on the account's host as the spec's first server has it.

Scenario: a dock created, listed, read, deactivated and activated; a warehouse on it created,
listed, read, deactivated and activated; an SKU's inventory in it `PUT` (quantity, lead time,
count date), read, its quantity and lead time `PATCH`ed, read again; a negative quantity refused;
a reservation of it created, read, confirmed, acknowledged, listed by warehouse and SKU; another
created and cancelled; an unknown reservation (404).
"""

import time

from contract import call

# VTEX locks an SKU's inventory in a warehouse for a few milliseconds after a write: a second
# write within that time gets `423` (§E.2; the simulator's `lockWindowMs`, 5 ms by default).
# The scenario waits that out between writes to one (SKU, warehouse).
LOCK_WAIT_S = 0.05

DOCK = "/api/logistics/pvt/configuration/docks"
WAREHOUSE = "/api/logistics/pvt/configuration/warehouses"
INVENTORY = "/api/logistics/pvt/inventory/skus"
RESERVATIONS = "/api/logistics/pvt/inventory/reservations"


def reservation(lock_id, quantity):
    """A `CreateReservation` body with every property the spec requires (§E.4)."""
    return {
        "salesChannel": "1", "lockId": lock_id, "autorizationExpirationTTL": "00:30:00",
        "deliveryItemOptions": [{
            "item": {"id": "901", "quantity": quantity, "kitItem": [], "price": 10.5,
                     "additionalHandlingTime": "00:00:00",
                     "dimension": {"weight": 1, "height": 1, "width": 1, "length": 1}},
            "slaType": "Normal", "slaTypeName": "Normal", "listPrice": 0, "promotionalPrice": 0,
            "transitTime": "1.00:00:00", "dockTime": "00:00:00",
            "timeToDockPlusDockTime": "00:00:00", "aditionalTimeBlockedDays": "00:00:00",
            "totalTime": "1.00:00:00", "deliveryWindows": None, "wareHouseId": "contract-wh",
            "dockId": "contract-dock",
            "location": {"zipCode": "01311-000", "country": "BRA",
                         "inStore": {"IsCheckedIn": False, "StoreId": None}},
        }],
    }


def exercise(rec, base):
    call(rec, base, "POST", DOCK, {
        "id": "contract-dock", "name": "Contract dock", "priority": 0,
        "dockTimeFake": "1.00:00:00", "timeFakeOverhead": "00:00:00",
        "salesChannels": ["1"], "salesChannel": "1", "freightTableIds": ["1"],
        "wmsEndPoint": "",
        "pickupStoreInfo": {"isPickupStore": False, "storeId": None, "friendlyName": None,
                            "address": None, "additionalInfo": None, "dockId": None},
        "address": {"postalCode": "01311-000", "country": {"acronym": "BRA", "name": "Brazil"},
                    "city": "Sao Paulo", "state": "SP", "neighborhood": "Bela Vista",
                    "street": "Avenida Paulista", "number": "1000", "complement": "",
                    "coordinates": [[-46.65, -23.56]]},
    }, expect=200)
    call(rec, base, "GET", DOCK, expect=200)
    call(rec, base, "GET", f"{DOCK}/contract-dock", expect=200)
    call(rec, base, "POST", f"{DOCK}/contract-dock/deactivation", expect=204)
    call(rec, base, "POST", f"{DOCK}/contract-dock/activation", expect=204)
    call(rec, base, "POST", WAREHOUSE, {
        "id": "contract-wh", "name": "Contract warehouse",
        "warehouseDocks": [{"dockId": "contract-dock", "name": "Contract dock", "time": "1.00:00:00",
                            "cost": "0.00", "translateDays": "dia", "costToDisplay": "0,00"}],
    }, expect=200)
    call(rec, base, "GET", WAREHOUSE, expect=200)
    call(rec, base, "GET", f"{WAREHOUSE}/contract-wh", expect=200)
    call(rec, base, "POST", f"{WAREHOUSE}/contract-wh/deactivation", expect=200)
    call(rec, base, "POST", f"{WAREHOUSE}/contract-wh/activation", expect=200)
    sku = f"{INVENTORY}/901/warehouses/contract-wh"
    call(rec, base, "PUT", sku, {
        "unlimitedQuantity": False, "dateUtcOnBalanceSystem": "2026-12-01T06:00:00Z",
        "quantity": 12, "leadTime": "1.00:00:00",
    }, expect=200)
    call(rec, base, "GET", f"{INVENTORY}/901", expect=200)
    time.sleep(LOCK_WAIT_S)
    call(rec, base, "PATCH", f"{sku}/quantity",
         {"quantity": 7, "unlimitedQuantity": False, "dateUtcOnBalanceSystem": "2026-12-01T07:00:00Z"},
         expect=204)
    time.sleep(LOCK_WAIT_S)
    call(rec, base, "PATCH", f"{sku}/lead-time", {"leadTime": "2.00:00:00"}, expect=204)
    call(rec, base, "GET", f"{INVENTORY}/901", expect=200)
    call(rec, base, "PUT", f"{INVENTORY}/902/warehouses/contract-wh",
         {"unlimitedQuantity": False, "quantity": -1, "leadTime": "00:00:00",
          "dateUtcOnBalanceSystem": "2026-12-01T06:00:00Z"}, expect=400)
    call(rec, base, "POST", RESERVATIONS, reservation("contract-lock", 2), expect=200)
    call(rec, base, "GET", f"{RESERVATIONS}/contract-lock", expect=200)
    call(rec, base, "POST", f"{RESERVATIONS}/contract-lock/confirm", expect=200)
    call(rec, base, "POST", f"{RESERVATIONS}/contract-lock/acknowledge", expect=200)
    call(rec, base, "GET", f"{RESERVATIONS}/contract-wh/901", expect=200)
    call(rec, base, "POST", RESERVATIONS, reservation("contract-cancelled", 1), expect=200)
    call(rec, base, "POST", f"{RESERVATIONS}/contract-cancelled/cancel", expect=200)
    call(rec, base, "GET", f"{RESERVATIONS}/no-such-lock", expect=404)
