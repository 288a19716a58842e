/* fs-common.c: what the POSIX and Windows filesystem commands share: guest-fstrim's arguments, GuestDiskAddress, qemu-ga's list order. */
#include "fs.h"

static const SgaMemberSpec fstrim_members[] = {
    SGA_OPTIONAL(SgaFstrimArgs, minimum, "minimum", sga_type_int),
    SGA_MEMBERS_END,
};
const SgaTypeSpec sga_fstrim_args = {
    .kind = SGA_TYPE_STRUCT, .name = "guest-fstrim arguments", .size = sizeof(SgaFstrimArgs),
    .members = fstrim_members,
};

static json_object *pci_address_to_json(const SgaDiskAddress *a)
{
    json_object *pci = json_object_new_object();

    json_object_object_add(pci, "domain", json_object_new_int64(a->pci_domain));
    json_object_object_add(pci, "bus", json_object_new_int64(a->pci_bus));
    json_object_object_add(pci, "slot", json_object_new_int64(a->pci_slot));
    json_object_object_add(pci, "function", json_object_new_int64(a->pci_function));
    return pci;
}

json_object *sga_fs_disk_address_to_json(const SgaDiskAddress *a)
{
    json_object *obj = json_object_new_object();

    json_object_object_add(obj, "pci-controller", pci_address_to_json(a));
    json_object_object_add(obj, "bus-type", json_object_new_string(a->bus_type));
    json_object_object_add(obj, "bus", json_object_new_int64(a->bus));
    json_object_object_add(obj, "target", json_object_new_int64(a->target));
    json_object_object_add(obj, "unit", json_object_new_int64(a->unit));
    if (a->serial) {
        json_object_object_add(obj, "serial", json_object_new_string(a->serial));
    }
    if (a->dev) {
        json_object_object_add(obj, "dev", json_object_new_string(a->dev));
    }
    if (a->has_ccw) {
        json_object *ccw = json_object_new_object();
        json_object_object_add(ccw, "cssid", json_object_new_int64(a->ccw_cssid));
        json_object_object_add(ccw, "ssid", json_object_new_int64(a->ccw_ssid));
        json_object_object_add(ccw, "subchno", json_object_new_int64(a->ccw_subchno));
        json_object_object_add(ccw, "devno", json_object_new_int64(a->ccw_devno));
        json_object_object_add(obj, "ccw-address", ccw);
    }
    return obj;
}

json_object *sga_fs_json_reversed(json_object *array)
{
    json_object *reversed = json_object_new_array();

    for (size_t i = json_object_array_length(array); i-- > 0;) {
        json_object_array_add(reversed, json_object_get(json_object_array_get_idx(array, i)));
    }
    json_object_put(array);
    return reversed;
}
