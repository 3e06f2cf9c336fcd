# CPack pre-build script (CPACK_PRE_BUILD_SCRIPTS): puts Debian's
# /usr/share/doc/<package>/copyright into the staged .deb only (a plain
# `cmake --install` has share/doc/billing_pdp/LICENSE and needs no more).
# A plain copy: file(INSTALL) would prefix the staging path (DESTDIR) twice.
set(doc "${CPACK_TEMPORARY_INSTALL_DIRECTORY}${CPACK_PACKAGING_INSTALL_PREFIX}/share/doc/${CPACK_PACKAGE_NAME}")
file(MAKE_DIRECTORY "${doc}")
configure_file("${CPACK_PDP_DEB_COPYRIGHT}" "${doc}/copyright" COPYONLY)
