# The Debian package: `cpack -G DEB` in the build directory makes
# billing-pdp_<version>_<arch>.deb of everything `cmake --install` installs,
# under /usr (README "Installing"). Included from the top-level
# CMakeLists.txt after every install rule.
set(PDP_DEB_MAINTAINER "billing-pdp maintainers <billing-pdp@example.org>"
  CACHE STRING "Maintainer field of the Debian package")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME billing-pdp)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "the billing-pdp authors")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "policy decision point for AWS Billing console access")
set(CPACK_RESOURCE_FILE_LICENSE ${CMAKE_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${PDP_DEB_MAINTAINER}")
# The extended description (CPack puts the summary above it as the synopsis
# and indents each line).
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "billing-pdp-server answers gRPC questions about who may view or modify the
AWS Billing console's pages and perform billing actions, from IAM policies,
account settings and Organizations SCPs, with an audit log and durable state
(SQLite or PostgreSQL). Includes pdpctl, a hardened systemd unit
(billing-pdp.service, not enabled), the C++ client library and the .proto
files.")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# Depends from the binaries' shared libraries (dpkg-shlibdeps, dpkg-dev).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# No conffiles: nothing is installed under /etc (override the unit with
# `systemctl edit billing-pdp`).

# (CPACK_ variables are the ones CPack passes on to the script.)
set(CPACK_PDP_DEB_COPYRIGHT ${CMAKE_SOURCE_DIR}/packaging/copyright)
set(CPACK_PRE_BUILD_SCRIPTS ${CMAKE_SOURCE_DIR}/packaging/deb_copyright.cmake)
include(CPack)
