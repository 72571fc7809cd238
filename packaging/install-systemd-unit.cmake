# Runs at install time (CMakeLists.txt's install(CODE)): writes packaging/pdu2mqtt.service into
# the unit directory with the /usr/local paths it names replaced by those of the prefix being
# installed to. In: PDU2MQTT_UNIT_SOURCE, PDU2MQTT_BINDIR, PDU2MQTT_DOCDIR, PDU2MQTT_UNITDIR
# (each relative to CMAKE_INSTALL_PREFIX, or absolute).

function(pdu2mqtt_full_path out dir)
  if(IS_ABSOLUTE "${dir}")
    set(${out} "${dir}" PARENT_SCOPE)
  else()
    set(${out} "${CMAKE_INSTALL_PREFIX}/${dir}" PARENT_SCOPE)
  endif()
endfunction()

pdu2mqtt_full_path(pdu2mqtt_bin "${PDU2MQTT_BINDIR}")
pdu2mqtt_full_path(pdu2mqtt_doc "${PDU2MQTT_DOCDIR}")
pdu2mqtt_full_path(pdu2mqtt_units "${PDU2MQTT_UNITDIR}")

file(READ "${PDU2MQTT_UNIT_SOURCE}" pdu2mqtt_unit)
string(REPLACE "/usr/local/bin/pdu2mqtt" "${pdu2mqtt_bin}/pdu2mqtt" pdu2mqtt_unit
               "${pdu2mqtt_unit}")
string(REPLACE "/usr/local/share/doc/pdu2mqtt" "${pdu2mqtt_doc}" pdu2mqtt_unit
               "${pdu2mqtt_unit}")

# DESTDIR stages the files elsewhere; the unit still names the final paths.
set(pdu2mqtt_target "$ENV{DESTDIR}${pdu2mqtt_units}/pdu2mqtt.service")
message(STATUS "Installing: ${pdu2mqtt_target}")
file(WRITE "${pdu2mqtt_target}" "${pdu2mqtt_unit}")
file(CHMOD "${pdu2mqtt_target}" FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
list(APPEND CMAKE_INSTALL_MANIFEST_FILES "${pdu2mqtt_target}")
