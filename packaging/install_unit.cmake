# Installs the systemd unit (run by `cmake --install` and by CPack, see the
# top-level CMakeLists.txt). Made at install time, not configure time: its
# ExecStart must name the prefix the files are installed under (a unit
# cannot be relocated), which for a .deb is /usr, for `cmake --install
# --prefix P` P. DESTDIR (CPack's staging directory) is left out, as the
# unit runs from the final location.
# Inputs: PDP_UNIT_TEMPLATE, PDP_UNIT_WORK_DIR, PDP_BINDIR, PDP_DOCDIR (the
# last two relative to the prefix).
foreach(dir PDP_BINDIR PDP_DOCDIR)
  if(IS_ABSOLUTE "${${dir}}")
    set(${dir}_FULL "${${dir}}")
  else()
    set(${dir}_FULL "${CMAKE_INSTALL_PREFIX}/${${dir}}")
  endif()
endforeach()
set(CMAKE_INSTALL_FULL_BINDIR "${PDP_BINDIR_FULL}")
set(CMAKE_INSTALL_FULL_DOCDIR "${PDP_DOCDIR_FULL}")
# One work file per destination, so two installs at once do not mix.
string(MD5 key "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}")
set(unit "${PDP_UNIT_WORK_DIR}/${key}/billing-pdp.service")
configure_file("${PDP_UNIT_TEMPLATE}" "${unit}" @ONLY)
file(INSTALL DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/systemd/system" TYPE FILE FILES "${unit}")
