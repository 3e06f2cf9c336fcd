# CPack pre-build script (CPACK_PRE_BUILD_SCRIPTS): puts Debian's
# /usr/share/doc/<package>/copyright into the staged .deb only (a plain
# `cmake --install` has share/doc/billing_pdp/LICENSE and needs no more).
file(INSTALL DESTINATION
  "${CPACK_TEMPORARY_INSTALL_DIRECTORY}${CPACK_PACKAGING_INSTALL_PREFIX}/share/doc/${CPACK_PACKAGE_NAME}"
  TYPE FILE FILES "${CPACK_PDP_DEB_COPYRIGHT}")
