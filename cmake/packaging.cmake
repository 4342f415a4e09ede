# Install layout and the Debian package (CPack DEB): the binary in <prefix>/bin, config examples
# in /etc/nomad-certd/examples, the systemd unit (ExecStart pointing at the installed binary),
# sysusers.d and tmpfiles.d entries, the Prometheus rules and the docs.
include(GNUInstallDirs)
set(CMAKE_INSTALL_DOCDIR "${CMAKE_INSTALL_DATAROOTDIR}/doc/nomad-certd")

set(NC_PKG_SYSTEMD_DIR "lib/systemd/system" CACHE STRING "systemd unit folder (relative to the prefix)")
set(NC_PKG_SYSUSERS_DIR "lib/sysusers.d" CACHE STRING "sysusers.d folder (relative to the prefix)")
set(NC_PKG_TMPFILES_DIR "lib/tmpfiles.d" CACHE STRING "tmpfiles.d folder (relative to the prefix)")
set(NC_PKG_SYSCONF_DIR "/etc/nomad-certd" CACHE STRING "configuration folder (absolute)")

# The unit names /usr/local/bin/nomad-certd; the installed copy names the installed binary.
install(CODE "
  file(READ \"${CMAKE_CURRENT_SOURCE_DIR}/systemd/nomad-certd.service\" nc_unit)
  string(REPLACE \"/usr/local/bin/nomad-certd\" \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/nomad-certd\" nc_unit \"\${nc_unit}\")
  string(REPLACE \"file:///usr/local/share/doc/nomad-certd/README.md\" \"file://\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DOCDIR}/README.md\" nc_unit \"\${nc_unit}\")
  file(WRITE \"${CMAKE_CURRENT_BINARY_DIR}/pkg/nomad-certd.service\" \"\${nc_unit}\")
  file(INSTALL DESTINATION \"\${CMAKE_INSTALL_PREFIX}/${NC_PKG_SYSTEMD_DIR}\"
       TYPE FILE FILES \"${CMAKE_CURRENT_BINARY_DIR}/pkg/nomad-certd.service\")
" COMPONENT nomad-certd)
install(FILES systemd/nomad-certd.sysusers DESTINATION ${NC_PKG_SYSUSERS_DIR}
        RENAME nomad-certd.conf COMPONENT nomad-certd)
install(FILES systemd/nomad-certd.tmpfiles DESTINATION ${NC_PKG_TMPFILES_DIR}
        RENAME nomad-certd.conf COMPONENT nomad-certd)
install(FILES config/config.yaml config/desired-state.yaml
        DESTINATION ${NC_PKG_SYSCONF_DIR}/examples COMPONENT nomad-certd)
install(DIRECTORY config/jobs config/policies DESTINATION ${NC_PKG_SYSCONF_DIR}/examples
        COMPONENT nomad-certd)
install(DIRECTORY config/monitoring/ DESTINATION ${CMAKE_INSTALL_DATADIR}/nomad-certd/monitoring
        COMPONENT nomad-certd)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT nomad-certd)
if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/docs)
  install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT nomad-certd)
endif()

set(CPACK_PACKAGE_NAME "nomad-certd")
set(CPACK_PACKAGE_VENDOR "nomad-certd maintainers")
set(CPACK_PACKAGE_CONTACT "nomad-certd maintainers <maintainers@nomad-certd.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Keeps Vault + Nomad certificate distribution in its declared state and watches certificates")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "admin")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "systemd")
set(CPACK_PACKAGE_DIRECTORY "${CMAKE_BINARY_DIR}/package")
include(CPack)
