#!/usr/bin/env python3
# msi-product-code.py: the MSI ProductCode of a streamga version (one per version, never random).
"""Print the ProductCode for the version given as the only argument.

A new version needs a new ProductCode for MajorUpgrade to replace the installed
one; the same version must keep its code, or a rebuilt MSI of that version
would install beside the first as a second product. A name-based UUID of the
version gives both. Never change NAMESPACE: released MSIs carry its codes.
"""
import sys
import uuid

NAMESPACE = uuid.UUID('96EB0000-73FA-4345-82F3-28DE2AF54B7A')


def product_code(version):
    return '{%s}' % str(uuid.uuid5(NAMESPACE, 'streamga-x64-' + version)).upper()


if __name__ == '__main__':
    if len(sys.argv) != 2:
        sys.exit('usage: msi-product-code.py VERSION')
    print(product_code(sys.argv[1]))
